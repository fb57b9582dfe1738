{#
  Money not yet applied (未核销) on one open-items side: customer receipts and credit notes (AR),
  supplier payments and debit notes (AP). The rule is the store's
  operational.services.open_items.unapplied, once here for both sides:

    unapplied as of D = amounts of the side's money documents dated <= D
                        − their allocations dated <= D (a reversed allocation adds back)
                        − the amount of those reversed (冲销) on or before D.

  `sources` names a CTE of the calling model with one row per counted money document:
  source_type (the allocations' source_type), source_id, source_no, <partner>, source_date,
  amount, reversed_on (NULL unless reversed).
#}

{#- The movements: one row per change (issued / applied / reversed), a positive delta adds to
    what stands unapplied. Continues the caller's WITH list. -#}
{% macro open_item_unapplied_movements(sources, allocations, partner) %}
, unapplied_changes as (
    select source_type, source_id, source_date as changed_on, 'issued' as movement, amount as delta
    from {{ sources }}
    union all
    select source_type, source_id, reversed_on, 'reversed', -amount
    from {{ sources }}
    where reversed_on is not null
    union all
    select a.source_type, a.source_id, a.allocated_on, 'applied', -a.amount
    from {{ allocations }} as a
    join {{ sources }} as s on s.source_type = a.source_type and s.source_id = a.source_id
)

select
    c.source_type,
    c.source_id,
    s.source_no,
    s.{{ partner }},
    s.source_date,
    c.changed_on,
    c.movement,
    {{ money('c.delta') }} as delta
from unapplied_changes as c
join {{ sources }} as s on s.source_type = c.source_type and s.source_id = c.source_id
{% endmacro %}

{#- One row per money document as extracted: amount, applied, reversed, still unapplied. -#}
{% macro open_item_unapplied_by_source(movements, partner) %}
select
    source_type,
    source_id,
    source_no,
    {{ partner }},
    source_date,
    {{ money("sum(case when movement = 'issued' then delta else 0 end)") }} as amount,
    {{ money("-sum(case when movement = 'applied' then delta else 0 end)") }} as applied_amount,
    {{ money("-sum(case when movement = 'reversed' then delta else 0 end)") }} as reversed_amount,
    {{ money('sum(delta)') }} as unapplied_amount
from {{ movements }}
group by source_type, source_id, source_no, {{ partner }}, source_date
{% endmacro %}

{#- What each money document had unapplied over time: one row per document × period in which the
    amount did not change, [valid_from, valid_to); periods with nothing unapplied are left out.
    Unapplied as of D = rows with valid_from <= D and (valid_to IS NULL or D < valid_to). -#}
{% macro open_item_unapplied_periods(movements, partner) %}
with daily as (
    select source_type, source_id, changed_on, sum(delta) as delta
    from {{ movements }}
    group by source_type, source_id, changed_on
),

running as (
    select
        source_type,
        source_id,
        changed_on as valid_from,
        lead(changed_on) over (partition by source_type, source_id order by changed_on) as valid_to,
        sum(delta) over (partition by source_type, source_id order by changed_on
                         rows between unbounded preceding and current row) as unapplied_amount
    from daily
),

documents as (
    select distinct source_type, source_id, source_no, {{ partner }}, source_date
    from {{ movements }}
)

select
    r.source_type,
    r.source_id,
    d.source_no,
    d.{{ partner }},
    d.source_date,
    r.valid_from,
    r.valid_to,
    {{ money('r.unapplied_amount') }} as unapplied_amount
from running as r
join documents as d on d.source_type = r.source_type and d.source_id = r.source_id
where r.unapplied_amount <> 0
{% endmacro %}
