select
    id as goods_receipt_id,
    doc_no,
    purchase_order_id,
    supplier_id,
    warehouse_id,
    receipt_date,
    status,
    created_by as created_by_user_id,
    updated_at
from {{ source('raw', 'goods_receipt') }}
