-- Sales as shipped: revenue at the order line's net price, cost of goods sold from the valuation
-- of the shipment's ledger row, gross margin, and what the customer has returned of it.
with costs as (
    select doc_line_id as shipment_line_id, -movement_value as cogs, provisional
    from {{ ref('int_document_line_costs') }}
    where doc_type = 'shipment' and movement_type = 'shipment'
)

select
    sl.shipment_line_id,
    sh.shipment_id,
    sh.doc_no,
    sh.ship_date,
    sh.customer_id,
    c.region,
    so.salesperson_id,
    sh.warehouse_id,
    sl.product_id,
    p.category_id,
    so.sales_order_id,
    so.doc_no as order_doc_no,
    sl.quantity,
    ol.unit_price,
    ol.discount_rate,
    -- revenue is net of VAT (a price entered with tax is split as operational/services/tax.py does)
    {{ vat_net('sl.quantity * ol.unit_price * (1 - ol.discount_rate)', 'ol.tax_rate', 'ol.price_includes_tax') }} as revenue,
    {{ money('k.cogs') }} as cogs,
    {{ vat_net('sl.quantity * ol.unit_price * (1 - ol.discount_rate)', 'ol.tax_rate', 'ol.price_includes_tax') }}
        - {{ money('k.cogs') }} as gross_margin,
    coalesce(k.provisional, false) as cost_provisional,
    sl.returned_qty
from {{ ref('stg_jxc__shipment_lines') }} as sl
join {{ ref('stg_jxc__shipments') }} as sh on sh.shipment_id = sl.shipment_id
join {{ ref('stg_jxc__sales_order_lines') }} as ol on ol.sales_order_line_id = sl.sales_order_line_id
join {{ ref('stg_jxc__sales_orders') }} as so on so.sales_order_id = sh.sales_order_id
join {{ ref('dim_product') }} as p on p.product_id = sl.product_id
left join {{ ref('dim_customer') }} as c on c.customer_id = sh.customer_id
left join costs as k on k.shipment_line_id = sl.shipment_line_id
-- A cancelled (作废) shipment is as if never posted.
where sh.status <> 'cancelled'
