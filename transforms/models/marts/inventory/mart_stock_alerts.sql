-- Active products in active warehouses whose stock is outside the limits set for that warehouse.
-- A limit without any stock movement counts as 0 on hand.
with stock as (
    select
        l.product_id,
        l.warehouse_id,
        coalesce(s.on_hand_quantity, 0) as on_hand_quantity,
        l.min_qty,
        l.max_qty
    from {{ ref('stg_jxc__stock_limits') }} as l
    left join {{ ref('mart_stock_current') }} as s
        on s.product_id = l.product_id and s.warehouse_id = l.warehouse_id
)

select
    s.product_id,
    s.warehouse_id,
    p.sku,
    p.product_name,
    w.warehouse_name,
    {{ qty('s.on_hand_quantity') }} as on_hand_quantity,
    s.min_qty,
    s.max_qty,
    case when s.on_hand_quantity < s.min_qty then 'below_min' else 'above_max' end as alert_type,
    case
        when s.on_hand_quantity < s.min_qty then {{ qty('coalesce(s.max_qty, s.min_qty) - s.on_hand_quantity') }}
        else {{ qty('0') }}
    end as suggested_quantity
from stock as s
join {{ ref('dim_product') }} as p on p.product_id = s.product_id
join {{ ref('dim_warehouse') }} as w on w.warehouse_id = s.warehouse_id
where p.is_active
  and w.is_active
  and (s.on_hand_quantity < s.min_qty or s.on_hand_quantity > s.max_qty)
