with positions as (
    select
        product_id,
        warehouse_id,
        sum(quantity) as on_hand_quantity,
        max(movement_date) as last_movement_date
    from {{ ref('fct_stock_movements') }}
    group by product_id, warehouse_id
),

latest_cost as (
    select product_id, arg_max(unit_cost, cost_date) as unit_cost
    from {{ ref('int_reference_costs') }}
    group by product_id
)

select
    s.product_id,
    s.warehouse_id,
    {{ qty('s.on_hand_quantity') }} as on_hand_quantity,
    {{ unit_cost('coalesce(c.unit_cost, p.standard_cost)') }} as reference_unit_cost,
    {{ money('s.on_hand_quantity * coalesce(c.unit_cost, p.standard_cost)') }} as stock_value,
    s.last_movement_date
from positions as s
join {{ ref('dim_product') }} as p on p.product_id = s.product_id
left join latest_cost as c on c.product_id = s.product_id
