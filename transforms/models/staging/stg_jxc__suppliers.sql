select
    id as supplier_id,
    code as supplier_code,
    name as supplier_name,
    contact,
    phone,
    address,
    lead_time_days,
    payment_terms_days,
    status,
    updated_at
from {{ source('raw', 'supplier') }}
