select
    id as contact_id,
    customer_id,
    name as contact_name,
    title as contact_title,
    phone,
    email,
    wechat,
    is_primary,
    updated_at
from {{ source('jxc_crm', 'customer_contact') }}
