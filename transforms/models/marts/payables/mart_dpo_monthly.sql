-- Days payable outstanding per month: DPO = AP outstanding at the end of the period ÷ purchases
-- billed in the period × days in the period. The period is the calendar month, cut at the latest
-- date for the current month. Purchases = total of posted bills dated in the period. DPO is on the
-- GROSS balance (open bills); the net payable (open bills − advances and debit notes not yet
-- applied, the aging's total) is shown beside it: ap_net_balance.
with months as (
    {{ open_item_months(ref('int_ap_report_dates')) }}
),

purchases as (
    select cast(date_trunc('month', bill_date) as date) as month_start, sum(total_amount) as purchases_amount,
           count(*) as bill_count
    from {{ ref('stg_jxc__supplier_bills') }}
    where bill_status = 'posted'
    group by 1
),

outstanding as (
    select m.month_start, sum(p.outstanding_amount) as ap_outstanding
    from months as m
    join {{ ref('fct_payable_balance_periods') }} as p
        on p.valid_from <= m.period_end and (p.valid_to is null or m.period_end < p.valid_to)
    group by m.month_start
),

unapplied as (
    select m.month_start, sum(u.unapplied_amount) as ap_unapplied
    from months as m
    join {{ ref('fct_payable_unapplied_periods') }} as u
        on u.valid_from <= m.period_end and (u.valid_to is null or m.period_end < u.valid_to)
    group by m.month_start
)

select
    m.month_start,
    strftime(m.month_start, '%Y-%m') as year_month,
    m.period_end,
    cast(datediff('day', m.month_start, m.period_end) + 1 as integer) as days_in_period,
    {{ money('coalesce(o.ap_outstanding, 0)') }} as ap_outstanding,
    {{ money('coalesce(u.ap_unapplied, 0)') }} as ap_unapplied,
    {{ money('coalesce(o.ap_outstanding, 0) - coalesce(u.ap_unapplied, 0)') }} as ap_net_balance,
    {{ money('coalesce(p.purchases_amount, 0)') }} as purchases_amount,
    cast(coalesce(p.bill_count, 0) as integer) as bill_count,
    case when coalesce(p.purchases_amount, 0) > 0
        then cast(round(coalesce(o.ap_outstanding, 0) / p.purchases_amount
                        * (datediff('day', m.month_start, m.period_end) + 1), 1) as decimal(18, 1))
    end as dpo_days
from months as m
left join purchases as p on p.month_start = m.month_start
left join outstanding as o on o.month_start = m.month_start
left join unapplied as u on u.month_start = m.month_start
