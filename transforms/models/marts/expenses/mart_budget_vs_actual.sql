-- Budget versus actual per month × category × department, the same rule as
-- operational.services.budgets.budget_vs_actual: departmental rows compare a department's budget
-- with its spending; the company row (department NULL) compares the company-wide budget with
-- every department's spending. Variance = actual − budget (positive: over budget).
with budgets as (
    select budget_month as month, category_id, department, budget_amount
    from {{ ref('stg_jxc__budgets') }}
),

departmental as (
    select month, category_id, department, amount
    from {{ ref('mart_expenses_by_category') }}
    where department is not null
),

company as (
    select month, category_id, cast(null as varchar) as department, sum(amount) as amount
    from {{ ref('mart_expenses_by_category') }}
    group by month, category_id
),

actuals as (
    select * from departmental
    union all
    select * from company
),

keys as (
    select month, category_id, department from budgets
    union
    select month, category_id, department from actuals
),

joined as (
    select
        k.month,
        k.category_id,
        k.department,
        b.budget_amount,
        coalesce(a.amount, 0) as actual_amount
    from keys as k
    left join budgets as b
        on b.month = k.month and b.category_id = k.category_id and b.department is not distinct from k.department
    left join actuals as a
        on a.month = k.month and a.category_id = k.category_id and a.department is not distinct from k.department
)

select
    j.month,
    strftime(j.month, '%Y-%m') as year_month,
    j.category_id,
    c.category_code,
    c.category_name,
    j.department,
    case when j.department is null then 'company' else 'department' end as scope,
    {{ money('j.budget_amount') }} as budget_amount,
    {{ money('j.actual_amount') }} as actual_amount,
    {{ money('j.actual_amount - coalesce(j.budget_amount, 0)') }} as variance,
    cast({{ exact_pct('j.actual_amount - j.budget_amount', 'j.budget_amount') }} as decimal(18, 2)) as variance_pct
from joined as j
join {{ ref('stg_jxc__expense_categories') }} as c on c.category_id = j.category_id
