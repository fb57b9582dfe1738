-- One row per cancellation of open order quantity; the purchase and sales sides in one table.
select
    id as order_line_cancellation_id,
    order_kind,
    coalesce(purchase_order_id, sales_order_id) as order_id,
    coalesce(purchase_order_line_id, sales_order_line_id) as order_line_id,
    purchase_order_id,
    purchase_order_line_id,
    sales_order_id,
    sales_order_line_id,
    line_no,
    quantity,
    reason,
    cancel_date,
    cancelled_by,
    created_at,
    updated_at
from {{ source('jxc_orders', 'order_line_cancellation') }}
