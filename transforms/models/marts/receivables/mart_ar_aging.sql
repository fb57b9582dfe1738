-- AR aging: what each customer owed on each report date, by days past due. An instalment counts
-- from its invoice date; allocations (receipts, credit notes, write-offs) count from their
-- allocated_on date. Buckets by the shared macro aging_bucket (var aging_buckets), the same rule as
-- operational.services.open_items.bucket, so this mart equals receivables.aging() in the store.
with dates as (
    select report_date, is_month_end, is_latest from {{ ref('int_ar_report_dates') }}
),

settled as (
    select d.report_date, a.instalment_id, sum(a.amount) as settled_amount
    from dates as d
    join {{ ref('stg_jxc__ar_allocations') }} as a on a.allocated_on <= d.report_date
    group by d.report_date, a.instalment_id
),

open_items as (
    select
        d.report_date,
        d.is_month_end,
        d.is_latest,
        i.customer_id,
        i.invoice_id,
        i.due_date,
        i.amount - coalesce(s.settled_amount, 0) as outstanding_amount
    from dates as d
    join {{ ref('fct_receivable_instalments') }} as i on i.invoice_date <= d.report_date
    left join settled as s on s.report_date = d.report_date and s.instalment_id = i.instalment_id
)

select
    o.report_date,
    o.is_month_end,
    o.is_latest,
    o.customer_id,
    c.customer_code,
    c.customer_name,
    {{ aging_bucket_order('o.report_date', 'o.due_date') }} as bucket_order,
    {{ aging_bucket('o.report_date', 'o.due_date') }} as bucket_label,
    {{ money('sum(o.outstanding_amount)') }} as outstanding_amount,
    cast(count(*) as integer) as instalment_count,
    cast(count(distinct o.invoice_id) as integer) as invoice_count,
    cast(max({{ aging_age_days('o.report_date', 'o.due_date') }}) as integer) as max_days_overdue
from open_items as o
join {{ ref('stg_jxc__customers') }} as c on c.customer_id = o.customer_id
where o.outstanding_amount <> 0
group by o.report_date, o.is_month_end, o.is_latest, o.customer_id, c.customer_code, c.customer_name, 7, 8
