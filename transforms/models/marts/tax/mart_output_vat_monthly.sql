-- 销项税额 by month and rate: posted invoices less credit notes (fct_vat_lines, output side).
select
    vat_month,
    tax_rate,
    sum(net_amount) as net_amount,
    sum(tax_amount) as output_tax,
    sum(gross_amount) as gross_amount,
    count(distinct case when doc_type = 'sales_invoice' then doc_id end) as invoice_count,
    count(distinct case when doc_type = 'credit_note' then doc_id end) as credit_note_count
from {{ ref('fct_vat_lines') }}
where vat_side = 'output'
group by vat_month, tax_rate
