-- The aging buckets this run was built with (var aging_buckets): the pages offer them as the
-- default when they age another date.
select
    cast(bucket_order as integer) as bucket_order,
    bucket_label,
    cast(min_days as integer) as min_days,
    cast(max_days as integer) as max_days
from ({{ aging_bucket_rows() }}) as b
