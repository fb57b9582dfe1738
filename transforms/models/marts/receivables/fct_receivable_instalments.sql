-- One row per instalment of a posted sales invoice, settled from its allocations as extracted.
with settled as (
    select instalment_id, sum(amount) as settled_amount
    from {{ ref('stg_jxc__ar_allocations') }}
    group by instalment_id
)

select
    i.instalment_id,
    i.invoice_id,
    inv.invoice_no,
    inv.customer_id,
    inv.invoice_date,
    i.seq,
    i.due_date,
    i.amount,
    {{ money('coalesce(s.settled_amount, 0)') }} as settled_amount,
    {{ money('i.amount - coalesce(s.settled_amount, 0)') }} as outstanding_amount
from {{ ref('stg_jxc__ar_instalments') }} as i
join {{ ref('stg_jxc__sales_invoices') }} as inv on inv.invoice_id = i.invoice_id
left join settled as s on s.instalment_id = i.instalment_id
where inv.invoice_status = 'posted'
