select
    id as debit_note_id,
    doc_no as debit_note_no,
    supplier_id,
    purchase_return_id,
    bill_id,
    note_date,
    amount,
    tax_amount,
    unallocated_amount
from {{ source('jxc_payables', 'debit_note') }}
