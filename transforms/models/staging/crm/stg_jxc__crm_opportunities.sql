select
    id as opportunity_id,
    doc_no,
    customer_id,
    owner_id,
    title,
    stage,
    expected_value,
    probability,
    opened_on,
    expected_close_date,
    closed_on,
    lost_reason,
    updated_at
from {{ source('jxc_crm', 'crm_opportunity') }}
