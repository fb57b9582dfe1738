select
    id as purchase_order_id,
    doc_no,
    supplier_id,
    warehouse_id,
    order_date,
    expected_date,
    status,
    currency,
    total_amount,
    created_by as created_by_user_id,
    updated_at
from {{ source('raw', 'purchase_order') }}
