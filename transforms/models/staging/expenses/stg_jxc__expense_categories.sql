select
    id as category_id,
    code as category_code,
    name as category_name,
    is_active,
    updated_at
from {{ source('jxc_expenses', 'expense_category') }}
