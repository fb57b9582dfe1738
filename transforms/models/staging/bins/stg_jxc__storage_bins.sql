select
    id as bin_id,
    warehouse_id,
    code as bin_code,
    name as bin_name,
    is_active,
    created_at,
    updated_at
from {{ source('jxc_bins', 'storage_bin') }}
