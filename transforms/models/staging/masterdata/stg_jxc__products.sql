select
    id as product_id,
    sku,
    name as product_name,
    category_id,
    unit,
    barcode,
    spec,
    valuation_method,
    allow_negative,
    list_price,
    standard_cost,
    is_active,
    tracks_batches,
    shelf_life_days,
    created_at,
    updated_at
from {{ source('raw', 'product') }}
