-- Every change of the money a supplier holds of ours not yet applied (未核销): paid payments
-- (advances and unallocated amounts; a reversed payment leaves on its reversal date) and debit
-- notes, less their allocations. The rule is the macro open_item_unapplied_movements, shared with AR
-- (operational.services.open_items.unapplied).
with sources as (
    select
        'payment' as source_type,
        payment_id as source_id,
        payment_no as source_no,
        supplier_id,
        payment_date as source_date,
        amount,
        case when payment_status = 'reversed' then reversed_on end as reversed_on
    from {{ ref('stg_jxc__supplier_payments') }}
    where payment_status in ('paid', 'reversed')
    union all
    select 'debit_note', debit_note_id, debit_note_no, supplier_id, note_date, amount, cast(null as date)
    from {{ ref('stg_jxc__debit_notes') }}
)
{{ open_item_unapplied_movements('sources', ref('stg_jxc__ap_allocations'), 'supplier_id') }}
