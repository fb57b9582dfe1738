-- Collection effectiveness index per month, for the company and per customer:
--   CEI = (opening AR + credit sales − closing AR) ÷ (opening AR + credit sales − closing current AR) × 100
-- opening AR = AR at the end of the previous period, credit sales = posted invoices of the month,
-- closing current AR = the part of closing AR not yet due. 100 = everything collectable was
-- collected. Credit notes and write-offs lower closing AR like receipts do (they are shown apart).
-- NULL when the denominator is 0 (nothing was collectable).
with balances as (
    select * from {{ ref('int_ar_monthly_balances') }}
),

company as (
    select month_start, period_end, cast(null as integer) as customer_id, 'company' as scope,
           sum(opening_ar) as opening_ar, sum(credit_sales) as credit_sales,
           sum(closing_ar) as closing_ar, sum(closing_current_ar) as closing_current_ar
    from balances
    group by month_start, period_end
),

per_customer as (
    select month_start, period_end, customer_id, 'customer' as scope,
           opening_ar, credit_sales, closing_ar, closing_current_ar
    from balances
    where opening_ar <> 0 or credit_sales <> 0 or closing_ar <> 0
),

both_scopes as (
    select * from company
    union all
    select * from per_customer
)

select
    month_start,
    strftime(month_start, '%Y-%m') as year_month,
    period_end,
    scope,
    customer_id,
    {{ money('opening_ar') }} as opening_ar,
    {{ money('credit_sales') }} as credit_sales,
    {{ money('closing_ar') }} as closing_ar,
    {{ money('closing_current_ar') }} as closing_current_ar,
    {{ money('opening_ar + credit_sales - closing_ar') }} as collected_amount,
    {{ money('opening_ar + credit_sales - closing_current_ar') }} as collectable_amount,
    case when opening_ar + credit_sales - closing_current_ar <> 0
        then cast(round((opening_ar + credit_sales - closing_ar)
                        / (opening_ar + credit_sales - closing_current_ar) * 100, 1) as decimal(18, 1))
    end as cei_percent
from both_scopes
