select
    id as warehouse_id,
    code as warehouse_code,
    name as warehouse_name,
    address,
    is_active,
    kind as warehouse_kind,
    uses_bins,
    default_bin_id,
    created_at,
    updated_at
from {{ source('raw', 'warehouse') }}
