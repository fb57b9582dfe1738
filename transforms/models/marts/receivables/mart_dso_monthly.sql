-- Days sales outstanding per month, for the company (scope 'company', customer_id NULL) and per
-- customer (scope 'customer'):
--   DSO = AR outstanding at the end of the period ÷ credit sales of the period × days in the period
-- The period is the calendar month, cut at the latest date for the current month; credit sales are
-- the posted invoices dated in it. No credit sales in the period: DSO is NULL (not infinite, not 0).
-- DSO is on the GROSS balance (open invoices): advances and unapplied credit notes are money the
-- customer has given, not days of credit taken, and netting them could make DSO negative. The net
-- balance (open invoices − unapplied, as the aging's row total) is shown beside it: ar_net_balance.
with balances as (
    select * from {{ ref('int_ar_monthly_balances') }}
),

company as (
    select month_start, period_end, days_in_period, cast(null as integer) as customer_id, 'company' as scope,
           sum(closing_ar) as closing_ar, sum(closing_unapplied) as closing_unapplied,
           sum(credit_sales) as credit_sales, sum(invoice_count) as invoice_count
    from balances
    group by month_start, period_end, days_in_period
),

per_customer as (
    select month_start, period_end, days_in_period, customer_id, 'customer' as scope,
           closing_ar, closing_unapplied, credit_sales, invoice_count
    from balances
    where closing_ar <> 0 or credit_sales <> 0 or closing_unapplied <> 0
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
    days_in_period,
    scope,
    customer_id,
    {{ money('closing_ar') }} as ar_outstanding,
    {{ money('closing_unapplied') }} as ar_unapplied,
    {{ money('closing_ar - closing_unapplied') }} as ar_net_balance,
    {{ money('credit_sales') }} as credit_sales,
    cast(invoice_count as integer) as invoice_count,
    case when credit_sales > 0
        then cast(round(closing_ar / credit_sales * days_in_period, 1) as decimal(18, 1))
    end as dso_days
from both_scopes
