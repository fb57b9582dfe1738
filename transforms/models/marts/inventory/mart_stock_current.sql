-- Where each product × warehouse stands now: its latest closing (quantity and value at the
-- valuation method's cost) and the date of its latest movement.
with latest as (
    select
        product_id,
        warehouse_id,
        arg_max(closing_quantity, closing_date) as on_hand_quantity,
        arg_max(closing_value, closing_date) as stock_value
    from {{ ref('int_valuation_closings') }}
    group by product_id, warehouse_id
),

moved as (
    select product_id, warehouse_id, max(movement_date) as last_movement_date
    from {{ ref('fct_stock_movements') }}
    group by product_id, warehouse_id
)

select
    l.product_id,
    l.warehouse_id,
    {{ qty('l.on_hand_quantity') }} as on_hand_quantity,
    case when l.on_hand_quantity <> 0 then {{ unit_cost('l.stock_value / l.on_hand_quantity') }} end as unit_cost,
    {{ money('l.stock_value') }} as stock_value,
    m.last_movement_date
from latest as l
join moved as m on m.product_id = l.product_id and m.warehouse_id = l.warehouse_id
