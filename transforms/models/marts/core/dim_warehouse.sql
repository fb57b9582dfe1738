select
    warehouse_id,
    warehouse_code,
    warehouse_name,
    is_active
from {{ ref('stg_jxc__warehouses') }}
