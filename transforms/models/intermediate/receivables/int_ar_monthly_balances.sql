-- Per calendar month × customer: AR at the end of the period (cut at the latest date for the
-- current month: open instalments, gross), the part of it not yet due, the money not yet applied
-- (未核销) then, and the credit sales (posted invoices dated in the month). Opening AR = the
-- previous period's closing AR. Outstanding as of a date comes from fct_receivable_balance_periods
-- (the rule of mart_ar_aging and open_items.balances), unapplied from fct_receivable_unapplied_periods.
with months as (
    {{ open_item_months(ref('int_ar_report_dates')) }}
),

customers as (
    select customer_id from {{ ref('stg_jxc__sales_invoices') }} where invoice_status = 'posted'
    union
    select customer_id from {{ ref('int_ar_unapplied_movements') }}
),

closing as (
    select
        m.month_start,
        p.customer_id,
        sum(p.outstanding_amount) as closing_ar,
        sum(case when p.due_date >= m.period_end then p.outstanding_amount else 0 end) as closing_current_ar
    from months as m
    join {{ ref('fct_receivable_balance_periods') }} as p
        on p.valid_from <= m.period_end and (p.valid_to is null or m.period_end < p.valid_to)
    group by m.month_start, p.customer_id
),

unapplied as (
    select m.month_start, u.customer_id, sum(u.unapplied_amount) as closing_unapplied
    from months as m
    join {{ ref('fct_receivable_unapplied_periods') }} as u
        on u.valid_from <= m.period_end and (u.valid_to is null or m.period_end < u.valid_to)
    group by m.month_start, u.customer_id
),

sales as (
    select cast(date_trunc('month', invoice_date) as date) as month_start, customer_id,
           sum(total_amount) as credit_sales, count(*) as invoice_count
    from {{ ref('stg_jxc__sales_invoices') }}
    where invoice_status = 'posted'
    group by 1, 2
),

grid as (
    select m.month_start, m.period_end, c.customer_id
    from months as m
    cross join customers as c
)

select
    g.month_start,
    g.period_end,
    cast(datediff('day', g.month_start, g.period_end) + 1 as integer) as days_in_period,
    g.customer_id,
    {{ money('coalesce(lag(cl.closing_ar) over (partition by g.customer_id order by g.month_start), 0)') }}
        as opening_ar,
    {{ money('coalesce(sa.credit_sales, 0)') }} as credit_sales,
    cast(coalesce(sa.invoice_count, 0) as integer) as invoice_count,
    {{ money('coalesce(cl.closing_ar, 0)') }} as closing_ar,
    {{ money('coalesce(cl.closing_current_ar, 0)') }} as closing_current_ar,
    {{ money('coalesce(un.closing_unapplied, 0)') }} as closing_unapplied
from grid as g
left join closing as cl on cl.month_start = g.month_start and cl.customer_id = g.customer_id
left join unapplied as un on un.month_start = g.month_start and un.customer_id = g.customer_id
left join sales as sa on sa.month_start = g.month_start and sa.customer_id = g.customer_id
