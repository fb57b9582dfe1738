-- The orders that count for customer analysis: sales orders confirmed or beyond (not draft, not
-- cancelled), one row each with the order's net amount from its lines.
select
    sales_order_id,
    doc_no,
    customer_id,
    order_date,
    {{ money('sum(amount)') }} as order_amount
from {{ ref('fct_sales_lines') }}
where status not in ('draft', 'cancelled')
group by sales_order_id, doc_no, customer_id, order_date
