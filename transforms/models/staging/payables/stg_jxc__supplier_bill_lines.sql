select
    id as bill_line_id,
    bill_id,
    line_no,
    receipt_line_id as goods_receipt_line_id,
    po_line_id as purchase_order_line_id,
    product_id,
    quantity,
    unit_price,
    amount,
    billable_qty,
    po_price,
    qty_variance,
    price_variance,
    within_tolerance
from {{ source('jxc_payables', 'supplier_bill_line') }}
