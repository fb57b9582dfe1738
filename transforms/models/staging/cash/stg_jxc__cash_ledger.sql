select
    id as cash_ledger_id,
    account_id,
    entry_date,
    amount,
    case when amount > 0 then amount else 0 end as amount_in,
    case when amount < 0 then -amount else 0 end as amount_out,
    kind as entry_kind,
    doc_type,
    doc_id,
    doc_no,
    counterparty,
    memo,
    created_by as created_by_user_id,
    created_at
from {{ source('jxc_cash', 'cash_ledger') }}
