-- Monthly profit summary: sales net of customer returns, their cost, gross margin, expenses
-- (approved or reimbursed claim lines by expense date) and operating profit, for every month
-- from the first to the last with any of them.
with sales as (
    select cast(date_trunc('month', ship_date) as date) as month, sum(revenue) as revenue, sum(cogs) as cogs
    from {{ ref('fct_shipment_lines') }}
    group by 1
),

returns as (
    select cast(date_trunc('month', return_date) as date) as month,
           sum(revenue_reversed) as returns_revenue, sum(cost_returned) as returns_cost
    from {{ ref('fct_sales_return_lines') }}
    group by 1
),

spent as (
    select month, sum(amount) as expenses
    from {{ ref('mart_expenses_by_category') }}
    group by 1
),

bounds as (
    select min(month) as first_month, max(month) as last_month
    from (select month from sales union all select month from returns union all select month from spent)
),

months as (
    select cast(unnest(generate_series(first_month, last_month, interval 1 month)) as date) as month
    from bounds
    where first_month is not null
),

joined as (
    select
        m.month,
        coalesce(s.revenue, 0) as gross_revenue,
        coalesce(r.returns_revenue, 0) as returns_revenue,
        coalesce(s.revenue, 0) - coalesce(r.returns_revenue, 0) as revenue,
        coalesce(s.cogs, 0) - coalesce(r.returns_cost, 0) as cogs,
        coalesce(e.expenses, 0) as expenses
    from months as m
    left join sales as s on s.month = m.month
    left join returns as r on r.month = m.month
    left join spent as e on e.month = m.month
)

select
    month,
    strftime(month, '%Y-%m') as year_month,
    {{ money('gross_revenue') }} as gross_revenue,
    {{ money('returns_revenue') }} as returns_revenue,
    {{ money('revenue') }} as revenue,
    {{ money('cogs') }} as cogs,
    {{ money('revenue - cogs') }} as gross_margin,
    cast({{ exact_pct('revenue - cogs', 'revenue') }} as decimal(18, 2)) as gross_margin_pct,
    {{ money('expenses') }} as expenses,
    {{ money('revenue - cogs - expenses') }} as operating_profit,
    cast({{ exact_pct('revenue - cogs - expenses', 'revenue') }} as decimal(18, 2)) as operating_margin_pct
from joined
