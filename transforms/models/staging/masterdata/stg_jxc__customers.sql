select
    id as customer_id,
    code as customer_code,
    name as customer_name,
    contact,
    phone,
    address,
    region,
    credit_limit,
    payment_terms_days,
    salesperson_id,
    updated_at
from {{ source('raw', 'customer') }}
