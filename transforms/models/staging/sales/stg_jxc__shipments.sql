select
    id as shipment_id,
    doc_no,
    sales_order_id,
    customer_id,
    warehouse_id,
    ship_date,
    status,
    created_by as created_by_user_id,
    updated_at
from {{ source('raw', 'shipment') }}
