select
    f.order_date as date_day,
    f.warehouse_id,
    p.category_id,
    count(distinct f.purchase_order_id) as order_count,
    count(*) as line_count,
    {{ qty('sum(f.quantity)') }} as quantity,
    {{ money('sum(f.amount)') }} as amount
from {{ ref('fct_purchase_lines') }} as f
join {{ ref('dim_product') }} as p on p.product_id = f.product_id
where f.status <> 'cancelled'
group by f.order_date, f.warehouse_id, p.category_id
