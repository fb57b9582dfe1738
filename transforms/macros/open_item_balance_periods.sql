{#
  What each instalment of one open-items side (AR or AP) had open over time: one row per
  instalment × period in which its open amount did not change. A period runs from valid_from
  (inclusive) to valid_to (exclusive; NULL = still current). The instalment opens on its document
  date with its full amount; every day with allocations (receipts, payments, credit/debit notes,
  write-offs, reversals) starts a new period. An allocation dated before its document counts from
  the document date. Periods with nothing open are left out.

  Outstanding as of any date D = the rows with valid_from <= D and (valid_to IS NULL or D < valid_to),
  which is the rule of operational.services.open_items.balances(as_of=D): documents dated <= D less
  allocations dated <= D. The aging marts, the monthly balances and the dashboards' "aging as of any
  date" all read it, so that rule lives here once.
#}
{% macro open_item_balance_periods(instalments, allocations, date_column, carried_columns) %}
with changes as (
    select instalment_id, {{ date_column }} as changed_on, amount as delta
    from {{ instalments }}
    union all
    select a.instalment_id, greatest(a.allocated_on, i.{{ date_column }}), -a.amount
    from {{ allocations }} as a
    join {{ instalments }} as i on i.instalment_id = a.instalment_id
),

daily as (
    select instalment_id, changed_on, sum(delta) as delta
    from changes
    group by instalment_id, changed_on
),

running as (
    select
        instalment_id,
        changed_on as valid_from,
        lead(changed_on) over (partition by instalment_id order by changed_on) as valid_to,
        sum(delta) over (partition by instalment_id order by changed_on
                         rows between unbounded preceding and current row) as outstanding_amount
    from daily
)

select
    r.instalment_id,
    {%- for c in carried_columns %}
    i.{{ c }},
    {%- endfor %}
    r.valid_from,
    r.valid_to,
    {{ money('r.outstanding_amount') }} as outstanding_amount
from running as r
join {{ instalments }} as i on i.instalment_id = r.instalment_id
where r.outstanding_amount <> 0
{% endmacro %}
