-- One row per expense claim line with its claim, category and employee. is_actual marks the lines
-- that count as spending (claim approved or reimbursed) — the rule of operational.services.budgets.
select
    l.claim_line_id,
    l.claim_id,
    c.doc_no,
    c.claim_date,
    c.status,
    c.status in ('approved', 'reimbursed') as is_actual,
    c.employee_id,
    e.employee_name,
    c.department,
    c.payee,
    l.line_no,
    l.category_id,
    cat.category_code,
    cat.category_name,
    l.expense_date,
    cast(date_trunc('month', l.expense_date) as date) as expense_month,
    l.amount,
    l.description,
    l.invoice_no,
    c.required_levels,
    c.approved_levels,
    c.reimbursed_account_id,
    c.reimbursed_on
from {{ ref('stg_jxc__expense_claim_lines') }} as l
join {{ ref('stg_jxc__expense_claims') }} as c on c.claim_id = l.claim_id
join {{ ref('stg_jxc__expense_categories') }} as cat on cat.category_id = l.category_id
left join {{ ref('stg_jxc__employees') }} as e on e.employee_id = c.employee_id
