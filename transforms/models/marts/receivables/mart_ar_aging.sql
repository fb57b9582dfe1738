-- AR aging: what each customer owed on each report date, by days past due, and the money it had
-- paid or been credited but not yet applied (未核销) in its own bucket, negative, so a customer's
-- rows add up to its net balance. What was open on a date comes from fct_receivable_balance_periods
-- (invoices dated on or before it less allocations dated on or before it), the unapplied money from
-- fct_receivable_unapplied_periods. Buckets by the shared macro aging_bucket (var aging_buckets),
-- the same rule as operational.services.open_items.bucket, so this mart equals receivables.aging()
-- in the store.
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
),

unapplied as (
    select d.report_date, d.is_month_end, d.is_latest, u.customer_id, u.unapplied_amount
    from dates as d
    join {{ ref('fct_receivable_unapplied_periods') }} as u
        on u.valid_from <= d.report_date and (u.valid_to is null or d.report_date < u.valid_to)
),

buckets as (
    select
        report_date,
        is_month_end,
        is_latest,
        customer_id,
        {{ aging_bucket_order('report_date', 'due_date') }} as bucket_order,
        {{ aging_bucket('report_date', 'due_date') }} as bucket_label,
        {{ money('sum(outstanding_amount)') }} as outstanding_amount,
        cast(count(*) as integer) as instalment_count,
        cast(count(distinct invoice_id) as integer) as invoice_count,
        cast(max({{ aging_age_days('report_date', 'due_date') }}) as integer) as max_days_overdue,
        0 as unapplied_document_count
    from open_items
    group by report_date, is_month_end, is_latest, customer_id, 5, 6
),

unapplied_bucket as (
    select
        report_date,
        is_month_end,
        is_latest,
        customer_id,
        {{ unapplied_bucket_order() }} as bucket_order,
        '{{ unapplied_bucket_label() }}' as bucket_label,
        {{ money('-sum(unapplied_amount)') }} as outstanding_amount,
        0 as instalment_count,
        0 as invoice_count,
        cast(null as integer) as max_days_overdue,
        cast(count(*) as integer) as unapplied_document_count
    from unapplied
    group by report_date, is_month_end, is_latest, customer_id
    having sum(unapplied_amount) <> 0
),

both_kinds as (
    select * from buckets
    union all
    select * from unapplied_bucket
)

select
    b.report_date,
    b.is_month_end,
    b.is_latest,
    b.customer_id,
    c.customer_code,
    c.customer_name,
    b.bucket_order,
    b.bucket_label,
    b.outstanding_amount,
    cast(b.instalment_count as integer) as instalment_count,
    cast(b.invoice_count as integer) as invoice_count,
    b.max_days_overdue,
    cast(b.unapplied_document_count as integer) as unapplied_document_count
from both_kinds as b
join {{ ref('stg_jxc__customers') }} as c on c.customer_id = b.customer_id
