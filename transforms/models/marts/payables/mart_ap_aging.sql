-- AP aging: what is owed to each supplier on each report date, by days past due, and the money paid
-- or debited but not yet applied (未核销: advances, unallocated payments, debit notes) in its own
-- bucket, negative, so a supplier's rows add up to the net payable. What was open on a date comes
-- from fct_payable_balance_periods (bills dated on or before it less allocations dated on or before
-- it), the unapplied money from fct_payable_unapplied_periods. Buckets by the shared macro
-- aging_bucket (var aging_buckets), the same rule as operational.services.open_items.bucket.
with dates as (
    select report_date from {{ ref('int_ap_report_dates') }}
),

open_items as (
    select d.report_date, p.supplier_id, p.bill_id, p.due_date, p.outstanding_amount
    from dates as d
    join {{ ref('fct_payable_balance_periods') }} as p
        on p.valid_from <= d.report_date and (p.valid_to is null or d.report_date < p.valid_to)
),

unapplied as (
    select d.report_date, u.supplier_id, u.unapplied_amount
    from dates as d
    join {{ ref('fct_payable_unapplied_periods') }} as u
        on u.valid_from <= d.report_date and (u.valid_to is null or d.report_date < u.valid_to)
),

buckets as (
    select
        report_date,
        supplier_id,
        {{ aging_bucket_order('report_date', 'due_date') }} as bucket_order,
        {{ aging_bucket('report_date', 'due_date') }} as bucket_label,
        {{ money('sum(outstanding_amount)') }} as outstanding_amount,
        cast(count(*) as integer) as instalment_count,
        cast(count(distinct bill_id) as integer) as bill_count,
        0 as unapplied_document_count
    from open_items
    group by report_date, supplier_id, 3, 4
),

unapplied_bucket as (
    select
        report_date,
        supplier_id,
        {{ unapplied_bucket_order() }} as bucket_order,
        '{{ unapplied_bucket_label() }}' as bucket_label,
        {{ money('-sum(unapplied_amount)') }} as outstanding_amount,
        0 as instalment_count,
        0 as bill_count,
        cast(count(*) as integer) as unapplied_document_count
    from unapplied
    group by report_date, supplier_id
    having sum(unapplied_amount) <> 0
),

both_kinds as (
    select * from buckets
    union all
    select * from unapplied_bucket
)

select
    b.report_date,
    b.supplier_id,
    sup.supplier_name,
    b.bucket_order,
    b.bucket_label,
    b.outstanding_amount,
    cast(b.instalment_count as integer) as instalment_count,
    cast(b.bill_count as integer) as bill_count,
    cast(b.unapplied_document_count as integer) as unapplied_document_count
from both_kinds as b
join {{ ref('stg_jxc__suppliers') }} as sup on sup.supplier_id = b.supplier_id
