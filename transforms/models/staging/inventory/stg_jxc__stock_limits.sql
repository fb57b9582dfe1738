select
    id as stock_limit_id,
    product_id,
    warehouse_id,
    min_qty,
    max_qty,
    updated_at
from {{ source('raw', 'stock_limit') }}
