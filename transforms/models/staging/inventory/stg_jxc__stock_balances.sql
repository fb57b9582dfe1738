select
    id as stock_balance_id,
    product_id,
    warehouse_id,
    quantity as on_hand_quantity,
    updated_at
from {{ source('raw', 'stock_balance') }}
