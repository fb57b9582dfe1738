-- 进项税额 by month and rate: posted supplier bills less debit notes (fct_vat_lines, input side).
select
    vat_month,
    tax_rate,
    sum(net_amount) as net_amount,
    sum(tax_amount) as input_tax,
    sum(gross_amount) as gross_amount,
    count(distinct case when doc_type = 'supplier_bill' then doc_id end) as bill_count,
    count(distinct case when doc_type = 'debit_note' then doc_id end) as debit_note_count
from {{ ref('fct_vat_lines') }}
where vat_side = 'input'
group by vat_month, tax_rate
