select
    id as sales_return_id,
    doc_no,
    shipment_id,
    customer_id,
    warehouse_id,
    return_date,
    disposition,
    reason as return_reason,
    status,
    updated_at
from {{ source('raw', 'sales_return') }}
