select
    f.order_date as date_day,
    f.warehouse_id,
    p.category_id,
    count(distinct f.sales_order_id) as order_count,
    count(*) as line_count,
    {{ qty('sum(f.quantity)') }} as quantity,
    {{ money('sum(f.amount)') }} as amount,
    {{ money('sum(f.tax_amount)') }} as tax_amount,
    {{ money('sum(f.gross_amount)') }} as gross_amount
from {{ ref('fct_sales_lines') }} as f
join {{ ref('dim_product') }} as p on p.product_id = f.product_id
-- Orders that count: confirmed, partly or fully fulfilled, or closed. A draft is not an order yet and
-- a cancelled one never was (operational.models.documents.COUNTED_ORDER_STATES).
where f.status in ('confirmed', 'partial', 'completed', 'closed')
group by f.order_date, f.warehouse_id, p.category_id
