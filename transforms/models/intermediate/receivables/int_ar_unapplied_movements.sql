-- Every change of a customer's money not yet applied (未核销): receipts (posted, or reversed and
-- then leaving on their reversal date) and credit notes, less their allocations. The rule is the
-- macro open_item_unapplied_movements, shared with AP (operational.services.open_items.unapplied).
with sources as (
    select
        'receipt' as source_type,
        receipt_id as source_id,
        receipt_no as source_no,
        customer_id,
        receipt_date as source_date,
        amount,
        case when receipt_status = 'reversed' then reversed_on end as reversed_on
    from {{ ref('stg_jxc__customer_receipts') }}
    where receipt_status in ('posted', 'reversed')
    union all
    select 'credit_note', credit_note_id, credit_note_no, customer_id, note_date, amount, cast(null as date)
    from {{ ref('stg_jxc__credit_notes') }}
)
{{ open_item_unapplied_movements('sources', ref('stg_jxc__ar_allocations'), 'customer_id') }}
