-- Incremental: lines whose line or header changed since the last build are replaced.
{{
    config(
        materialized='incremental',
        unique_key='sales_order_line_id',
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        post_hook="{{ delete_missing('sales_order_line_id', ref('stg_jxc__sales_order_lines')) }}"
    )
}}

select
    l.sales_order_line_id,
    l.sales_order_id,
    o.doc_no,
    o.order_date,
    o.required_date,
    o.status,
    o.customer_id,
    o.warehouse_id,
    o.salesperson_id,
    l.product_id,
    l.quantity,
    l.unit_price,
    l.discount_rate,
    l.amount,
    l.tax_rate,
    l.price_includes_tax,
    l.tax_amount,
    l.gross_amount,
    l.shipped_qty,
    l.cancelled_qty,
    l.quantity - l.cancelled_qty as due_qty,
    greatest(l.quantity - l.shipped_qty - l.cancelled_qty, 0) as open_qty,
    greatest(l.updated_at, o.updated_at) as updated_at
from {{ ref('stg_jxc__sales_order_lines') }} as l
join {{ ref('stg_jxc__sales_orders') }} as o on o.sales_order_id = l.sales_order_id
{% if is_incremental() %}
where {{ changed_since('greatest(l.updated_at, o.updated_at)') }}
{% endif %}
