select
    id as approval_step_id,
    claim_id,
    step,
    level as approval_level,
    user_id,
    "at" as step_at,
    note,
    created_at
from {{ source('jxc_expenses', 'expense_approval_step') }}
