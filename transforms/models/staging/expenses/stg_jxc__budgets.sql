select
    id as budget_id,
    category_id,
    department,
    month as budget_month,
    amount as budget_amount,
    version,
    updated_at
from {{ source('jxc_expenses', 'budget') }}
