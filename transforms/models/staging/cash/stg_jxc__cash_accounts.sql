select
    id as account_id,
    code as account_code,
    name as account_name,
    kind as account_kind,
    bank_name,
    account_no,
    currency,
    allow_overdraft,
    balance,
    is_active,
    updated_at
from {{ source('jxc_cash', 'cash_account') }}
