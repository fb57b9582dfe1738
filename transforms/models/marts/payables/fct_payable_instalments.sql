-- One row per instalment of a posted supplier bill, settled from its allocations as extracted.
with settled as (
    select instalment_id, sum(amount) as settled_amount
    from {{ ref('stg_jxc__ap_allocations') }}
    group by instalment_id
)

select
    i.instalment_id,
    i.bill_id,
    b.bill_no,
    b.supplier_invoice_no,
    b.supplier_id,
    b.bill_date,
    i.seq,
    i.due_date,
    i.amount,
    {{ money('coalesce(s.settled_amount, 0)') }} as settled_amount,
    {{ money('i.amount - coalesce(s.settled_amount, 0)') }} as outstanding_amount
from {{ ref('stg_jxc__ap_instalments') }} as i
join {{ ref('stg_jxc__supplier_bills') }} as b on b.bill_id = i.bill_id
left join settled as s on s.instalment_id = i.instalment_id
where b.bill_status = 'posted'
