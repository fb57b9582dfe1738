-- The dates AP is reported as of (mart_ap_aging, mart_dpo_monthly, mart_upcoming_payments): every
-- month end from the first posted bill's month up to the latest date, the latest date itself, and
-- any dates in var('ap_report_dates'). The latest date is the later of the last AP activity (bill
-- date, allocation date) and the warehouse's as-of date, so a quiet AP still ages to the data's end.
with activity as (
    select bill_date as activity_date
    from {{ ref('stg_jxc__supplier_bills') }}
    where bill_status = 'posted'
    union all
    select allocated_on from {{ ref('stg_jxc__ap_allocations') }}
),

bounds as (
    select
        min(activity_date) as first_day,
        greatest(max(activity_date), coalesce({{ as_of_date() }}, max(activity_date))) as last_day
    from activity
),

month_ends as (
    select cast(last_day(cast(m as date)) as date) as report_date
    from bounds,
        unnest(generate_series(date_trunc('month', first_day), date_trunc('month', last_day), interval 1 month)) as t(m)
    where first_day is not null
),

candidates as (
    select report_date, 'month_end' as date_kind from month_ends
    union all
    select last_day, 'latest' from bounds where last_day is not null
    {%- for d in var('ap_report_dates', []) %}
    union all
    select cast('{{ d }}' as date), 'requested'
    {%- endfor %}
)

select
    c.report_date,
    bool_or(c.date_kind = 'month_end') as is_month_end,
    bool_or(c.date_kind = 'latest') as is_latest
from candidates as c
cross join bounds as b
where c.report_date <= b.last_day
group by c.report_date
