select
    p.product_id,
    p.sku,
    p.product_name,
    p.category_id,
    c.category_name,
    p.unit,
    p.barcode,
    p.valuation_method,
    p.allow_negative,
    p.list_price,
    p.standard_cost,
    p.is_active
from {{ ref('stg_jxc__products') }} as p
left join {{ ref('stg_jxc__product_categories') }} as c on c.category_id = p.category_id
