-- Incremental: lines whose line or header changed since the last build are replaced.
{{
    config(
        materialized='incremental',
        unique_key='purchase_order_line_id',
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        post_hook="{{ delete_missing('purchase_order_line_id', ref('stg_jxc__purchase_order_lines')) }}"
    )
}}

select
    l.purchase_order_line_id,
    l.purchase_order_id,
    o.doc_no,
    o.order_date,
    o.expected_date,
    l.promised_date,
    o.status,
    o.supplier_id,
    o.warehouse_id,
    l.product_id,
    l.quantity,
    l.unit_price,
    l.discount_rate,
    l.amount,
    l.tax_rate,
    l.price_includes_tax,
    l.tax_amount,
    l.gross_amount,
    l.received_qty,
    l.cancelled_qty,
    l.quantity - l.cancelled_qty as due_qty,
    greatest(l.quantity - l.received_qty - l.cancelled_qty, 0) as open_qty,
    greatest(l.updated_at, o.updated_at) as updated_at
from {{ ref('stg_jxc__purchase_order_lines') }} as l
join {{ ref('stg_jxc__purchase_orders') }} as o on o.purchase_order_id = l.purchase_order_id
{% if is_incremental() %}
where {{ changed_since('greatest(l.updated_at, o.updated_at)') }}
{% endif %}
