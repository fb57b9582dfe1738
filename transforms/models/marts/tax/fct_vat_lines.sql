-- Every VAT-bearing document line, signed as it counts for the VAT return: posted sales invoices
-- (output VAT, 销项) less credit notes (红字), posted supplier bills (input VAT, 进项) less debit
-- notes. Amounts are the lines' own, already rounded per line (operational/services/tax.py), so
-- every sum of this table equals the sum of the documents to the cent.
with invoice_lines as (
    select
        'output' as vat_side,
        'sales_invoice' as doc_type,
        i.invoice_id as doc_id,
        i.invoice_no as doc_no,
        i.invoice_date as doc_date,
        i.customer_id as partner_id,
        l.line_no,
        l.product_id,
        l.tax_rate,
        l.amount as net_amount,
        l.tax_amount,
        l.gross_amount
    from {{ ref('stg_jxc__sales_invoice_lines') }} as l
    join {{ ref('stg_jxc__sales_invoices') }} as i on i.invoice_id = l.invoice_id
    where i.invoice_status = 'posted'
),

credit_lines as (
    select
        'output', 'credit_note', n.credit_note_id, n.credit_note_no, n.note_date, n.customer_id,
        l.line_no, l.product_id, l.tax_rate, -l.amount, -l.tax_amount, -l.gross_amount
    from {{ ref('stg_jxc__credit_note_lines') }} as l
    join {{ ref('stg_jxc__credit_notes') }} as n on n.credit_note_id = l.credit_note_id
),

bill_lines as (
    select
        'input', 'supplier_bill', b.bill_id, b.bill_no, b.bill_date, b.supplier_id,
        l.line_no, l.product_id, l.tax_rate, l.amount, l.tax_amount, l.gross_amount
    from {{ ref('stg_jxc__supplier_bill_lines') }} as l
    join {{ ref('stg_jxc__supplier_bills') }} as b on b.bill_id = l.bill_id
    where b.bill_status = 'posted'
),

debit_lines as (
    select
        'input', 'debit_note', n.debit_note_id, n.debit_note_no, n.note_date, n.supplier_id,
        l.line_no, l.product_id, l.tax_rate, -l.amount, -l.tax_amount, -l.gross_amount
    from {{ ref('stg_jxc__debit_note_lines') }} as l
    join {{ ref('stg_jxc__debit_notes') }} as n on n.debit_note_id = l.debit_note_id
),

unioned as (
    select * from invoice_lines
    union all select * from credit_lines
    union all select * from bill_lines
    union all select * from debit_lines
)

select
    vat_side,
    doc_type,
    doc_id,
    doc_no,
    doc_date,
    cast(date_trunc('month', doc_date) as date) as vat_month,
    partner_id,
    line_no,
    product_id,
    tax_rate,
    net_amount,
    tax_amount,
    gross_amount
from unioned
