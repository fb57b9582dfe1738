select
    id as claim_line_id,
    claim_id,
    line_no,
    category_id,
    expense_date,
    amount,
    description,
    invoice_no,
    updated_at
from {{ source('jxc_expenses', 'expense_claim_line') }}
