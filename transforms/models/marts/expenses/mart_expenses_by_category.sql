-- Spending (approved or reimbursed claims) per month of the expense date × category × department.
select
    expense_month as month,
    strftime(expense_month, '%Y-%m') as year_month,
    category_id,
    category_code,
    category_name,
    department,
    {{ money('sum(amount)') }} as amount,
    cast(count(distinct claim_id) as integer) as claims,
    cast(count(*) as integer) as lines
from {{ ref('fct_expense_claim_lines') }}
where is_actual
group by all
