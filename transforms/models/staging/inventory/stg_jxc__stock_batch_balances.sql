select
    id as stock_batch_balance_id,
    product_id,
    warehouse_id,
    batch_id,
    quantity as on_hand_quantity,
    updated_at
from {{ source('raw', 'stock_batch_balance') }}
