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
    category as supplier_category,
    email,
    bank_name,
    bank_account,
    over_receipt_tolerance,
    updated_at
from {{ source('raw', 'supplier') }}
