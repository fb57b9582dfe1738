{#
  The dates an open-items side (AR or AP) is reported as of: every month end from the first posted
  document's month up to the latest date, the latest date itself, and any dates in the var
  `dates_var`. The latest date is the later of the side's last activity (document date, allocation
  date, and with `unapplied_movements` the dates of receipts / payments, notes and reversals) and
  the warehouse's as-of date, so a quiet side still ages to the data's end.
  One row per report_date with is_month_end / is_latest flags.
#}
{% macro open_item_report_dates(documents, date_column, status_column, allocations, dates_var,
                                unapplied_movements=none) %}
with activity as (
    select {{ date_column }} as activity_date
    from {{ documents }}
    where {{ status_column }} = 'posted'
    union all
    select allocated_on from {{ allocations }}
    {%- if unapplied_movements is not none %}
    union all
    select changed_on from {{ unapplied_movements }}  -- receipts, payments, notes, reversals
    {%- endif %}
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
    {%- for d in var(dates_var, []) %}
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
{% endmacro %}

{#
  The calendar months an open-items side reports on (DSO, CEI, DPO): one row per month from the
  first report date's month to the latest's, with period_end = the month end, or the latest date
  for the current month. `report_dates` is int_ar_report_dates or int_ap_report_dates.
#}
{% macro open_item_months(report_dates) %}
    select
        cast(m as date) as month_start,
        least(cast(last_day(cast(m as date)) as date), b.last_day) as period_end
    from (select min(report_date) as first_day, max(report_date) as last_day from {{ report_dates }}) as b,
        unnest(generate_series(date_trunc('month', b.first_day), date_trunc('month', b.last_day), interval 1 month)) as t(m)
    where b.first_day is not null
{% endmacro %}
