select
    id as claim_id,
    doc_no,
    employee_id,
    department,
    claim_date,
    status,
    total_amount,
    payee,
    note,
    required_levels,
    approved_levels,
    submitted_at,
    decided_at,
    reimbursed_account_id,
    reimbursed_on,
    created_by as created_by_user_id,
    updated_at
from {{ source('jxc_expenses', 'expense_claim') }}
