select
    id as sales_order_id,
    doc_no,
    customer_id,
    warehouse_id,
    salesperson_id,
    order_date,
    required_date,
    status,
    currency,
    total_amount,
    created_by as created_by_user_id,
    updated_at
from {{ source('raw', 'sales_order') }}
