select
    id as company_id,
    name as company_name,
    tax_id,
    base_currency,
    small_scale_taxpayer
from {{ source('raw', 'company') }}
