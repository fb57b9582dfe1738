-- AR aging: per report date × customer the buckets add up to the outstanding computed straight
-- from instalments and allocations, and on the latest date to fct_receivable_instalments' open
-- amount (the extract's picture). A row here is a difference. Blocks publishing.
{{ config(meta={'dagster': {'ref': {'name': 'mart_ar_aging'}}}) }}
with aging as (
    select report_date, customer_id, sum(outstanding_amount) as bucket_total
    from {{ ref('mart_ar_aging') }}
    group by report_date, customer_id
),

direct as (
    select d.report_date, inv.customer_id,
           sum(i.amount) - coalesce(sum(st.settled), 0) as outstanding
    from {{ ref('int_ar_report_dates') }} as d
    join {{ ref('stg_jxc__sales_invoices') }} as inv on inv.invoice_status = 'posted' and inv.invoice_date <= d.report_date
    join {{ ref('stg_jxc__ar_instalments') }} as i on i.invoice_id = inv.invoice_id
    left join (
        select d2.report_date, a.instalment_id, sum(a.amount) as settled
        from {{ ref('int_ar_report_dates') }} as d2
        join {{ ref('stg_jxc__ar_allocations') }} as a on a.allocated_on <= d2.report_date
        group by d2.report_date, a.instalment_id
    ) as st on st.report_date = d.report_date and st.instalment_id = i.instalment_id
    group by d.report_date, inv.customer_id
),

latest as (
    select (select report_date from {{ ref('int_ar_report_dates') }} where is_latest) as report_date,
           customer_id, sum(outstanding_amount) as outstanding
    from {{ ref('fct_receivable_instalments') }}
    group by customer_id
),

expected as (
    select report_date, customer_id, outstanding from direct where outstanding <> 0
),

by_direct as (
    select coalesce(a.report_date, e.report_date) as report_date, coalesce(a.customer_id, e.customer_id) as customer_id,
           a.bucket_total, e.outstanding, 'direct' as compared_with
    from aging as a
    full outer join expected as e on e.report_date = a.report_date and e.customer_id = a.customer_id
    where coalesce(a.bucket_total, 0) <> coalesce(e.outstanding, 0)
),

by_latest as (
    select coalesce(a.report_date, l.report_date), coalesce(a.customer_id, l.customer_id),
           a.bucket_total, l.outstanding, 'fct_receivable_instalments'
    from (select * from aging where report_date = (select report_date from {{ ref('int_ar_report_dates') }} where is_latest)) as a
    full outer join (select * from latest where outstanding <> 0) as l on l.customer_id = a.customer_id
    where coalesce(a.bucket_total, 0) <> coalesce(l.outstanding, 0)
)

select * from by_direct
union all
select * from by_latest
