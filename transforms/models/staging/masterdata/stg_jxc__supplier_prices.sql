select
    id as supplier_price_id,
    supplier_id,
    product_id,
    valid_from,
    price,
    currency,
    min_order_qty,
    order_multiple,
    lead_time_days,
    is_preferred,
    updated_at
from {{ source('raw', 'supplier_price') }}
