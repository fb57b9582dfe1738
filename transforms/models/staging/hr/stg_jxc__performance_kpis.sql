select
    id as kpi_id,
    review_id,
    line_no,
    name as kpi_name,
    target,
    actual,
    weight,
    score,
    updated_at
from {{ source('jxc_hr', 'performance_kpi') }}
