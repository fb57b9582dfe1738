select
    id as batch_id,
    product_id,
    batch_no,
    expiry_date,
    production_date,
    created_at
from {{ source('raw', 'stock_batch') }}
