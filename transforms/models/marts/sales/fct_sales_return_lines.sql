-- Returns from customers: the revenue reversed (at the order line's net price) and the cost that
-- came back into stock (the cost at which the shipment left), with reason and where it went.
with costs as (
    select doc_line_id as sales_return_line_id, movement_value as cost_returned
    from {{ ref('int_document_line_costs') }}
    where doc_type = 'sales_return'
)

select
    rl.sales_return_line_id,
    r.sales_return_id,
    r.doc_no,
    r.return_date,
    r.customer_id,
    c.region,
    so.salesperson_id,
    r.warehouse_id,
    r.disposition,
    r.return_reason,
    rl.product_id,
    p.category_id,
    sh.doc_no as shipment_doc_no,
    sh.ship_date,
    rl.quantity,
    {{ vat_net('rl.quantity * ol.unit_price * (1 - ol.discount_rate)', 'ol.tax_rate', 'ol.price_includes_tax') }}
        as revenue_reversed,
    {{ money('k.cost_returned') }} as cost_returned
from {{ ref('stg_jxc__sales_return_lines') }} as rl
join {{ ref('stg_jxc__sales_returns') }} as r on r.sales_return_id = rl.sales_return_id
join {{ ref('stg_jxc__shipment_lines') }} as sl on sl.shipment_line_id = rl.shipment_line_id
join {{ ref('stg_jxc__shipments') }} as sh on sh.shipment_id = r.shipment_id
join {{ ref('stg_jxc__sales_order_lines') }} as ol on ol.sales_order_line_id = sl.sales_order_line_id
join {{ ref('stg_jxc__sales_orders') }} as so on so.sales_order_id = sh.sales_order_id
join {{ ref('dim_product') }} as p on p.product_id = rl.product_id
left join {{ ref('dim_customer') }} as c on c.customer_id = r.customer_id
left join costs as k on k.sales_return_line_id = rl.sales_return_line_id
-- A cancelled (作废) return is as if never posted.
where r.status <> 'cancelled'
