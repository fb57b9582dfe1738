-- AR aging: what each customer owed on each report date, by days past due. What was open on a
-- date comes from fct_receivable_balance_periods (invoices dated on or before it less allocations
-- dated on or before it). Buckets by the shared macro aging_bucket (var aging_buckets), the same rule as
-- operational.services.open_items.bucket, so this mart equals receivables.aging() in the store.
with dates as (
    select report_date, is_month_end, is_latest from {{ ref('int_ar_report_dates') }}
),

open_items as (
    select
        d.report_date,
        d.is_month_end,
        d.is_latest,
        p.customer_id,
        p.invoice_id,
        p.due_date,
        p.outstanding_amount
    from dates as d
    join {{ ref('fct_receivable_balance_periods') }} as p
        on p.valid_from <= d.report_date and (p.valid_to is null or d.report_date < p.valid_to)
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
group by o.report_date, o.is_month_end, o.is_latest, o.customer_id, c.customer_code, c.customer_name, 7, 8
