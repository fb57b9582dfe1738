select
    supplier_id,
    supplier_code,
    supplier_name,
    lead_time_days,
    payment_terms_days,
    status
from {{ ref('stg_jxc__suppliers') }}
