{#
  Rows where an aging mart's buckets (the unapplied bucket included), per report date × partner,
  do not add up to the net balance computed straight from the side's instalments and allocations
  less the money not yet applied (from the unapplied movements, as of each report date), or, on
  the latest date, to the open amount of its instalment fact less its unapplied fact (the
  extract's picture). Shared by the AR and AP singular tests; `partner` is customer_id or supplier_id.
#}
{% macro aging_buckets_sum_to_outstanding(aging, partner, report_dates, documents, document_key, date_column,
                                          status_column, instalments, allocations, instalment_fact,
                                          unapplied_movements, unapplied_fact) %}
with aging as (
    select report_date, {{ partner }} as partner_id, sum(outstanding_amount) as bucket_total
    from {{ aging }}
    group by report_date, {{ partner }}
),

direct as (
    select d.report_date, doc.{{ partner }} as partner_id,
           sum(i.amount) - coalesce(sum(st.settled), 0) as outstanding
    from {{ report_dates }} as d
    join {{ documents }} as doc on doc.{{ status_column }} = 'posted' and doc.{{ date_column }} <= d.report_date
    join {{ instalments }} as i on i.{{ document_key }} = doc.{{ document_key }}
    left join (
        select d2.report_date, a.instalment_id, sum(a.amount) as settled
        from {{ report_dates }} as d2
        join {{ allocations }} as a on a.allocated_on <= d2.report_date
        group by d2.report_date, a.instalment_id
    ) as st on st.report_date = d.report_date and st.instalment_id = i.instalment_id
    group by d.report_date, doc.{{ partner }}
),

direct_unapplied as (
    select d.report_date, m.{{ partner }} as partner_id, sum(m.delta) as unapplied
    from {{ report_dates }} as d
    join {{ unapplied_movements }} as m on m.changed_on <= d.report_date
    group by d.report_date, m.{{ partner }}
),

latest as (
    select (select report_date from {{ report_dates }} where is_latest) as report_date, partner_id,
           sum(amount) as outstanding
    from (
        select {{ partner }} as partner_id, outstanding_amount as amount from {{ instalment_fact }}
        union all
        select {{ partner }}, -unapplied_amount from {{ unapplied_fact }}
    ) as net
    group by partner_id
),

expected as (
    select coalesce(o.report_date, u.report_date) as report_date, coalesce(o.partner_id, u.partner_id) as partner_id,
           coalesce(o.outstanding, 0) - coalesce(u.unapplied, 0) as outstanding
    from direct as o
    full outer join direct_unapplied as u on u.report_date = o.report_date and u.partner_id = o.partner_id
    where coalesce(o.outstanding, 0) - coalesce(u.unapplied, 0) <> 0
),

by_direct as (
    select coalesce(a.report_date, e.report_date) as report_date,
           coalesce(a.partner_id, e.partner_id) as {{ partner }},
           a.bucket_total, e.outstanding, 'direct' as compared_with
    from aging as a
    full outer join expected as e on e.report_date = a.report_date and e.partner_id = a.partner_id
    where coalesce(a.bucket_total, 0) <> coalesce(e.outstanding, 0)
),

by_latest as (
    select coalesce(a.report_date, l.report_date), coalesce(a.partner_id, l.partner_id),
           a.bucket_total, l.outstanding, '{{ instalment_fact.identifier }}'
    from (select * from aging where report_date = (select report_date from {{ report_dates }} where is_latest)) as a
    full outer join (select * from latest where outstanding <> 0) as l on l.partner_id = a.partner_id
    where coalesce(a.bucket_total, 0) <> coalesce(l.outstanding, 0)
)

select * from by_direct
union all
select * from by_latest
{% endmacro %}
