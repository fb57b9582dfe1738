select
    id as purchase_return_id,
    doc_no,
    receipt_id as goods_receipt_id,
    supplier_id,
    warehouse_id,
    return_date,
    reason as return_reason,
    status,
    updated_at
from {{ source('raw', 'purchase_return') }}
