-- The VAT marts tie out to the documents to the cent: per month, output VAT = posted invoices' VAT
-- − credit notes' VAT and input VAT = posted bills' VAT − debit notes' VAT, taken from the document
-- headers (not the lines the marts sum). A row here is a month that differs. Blocks publishing.
{{ config(meta={'dagster': {'ref': {'name': 'mart_vat_payable_monthly'}}}) }}
with documents as (
    select cast(date_trunc('month', invoice_date) as date) as vat_month, tax_amount as output_tax, 0 as input_tax
    from {{ ref('stg_jxc__sales_invoices') }} where invoice_status = 'posted'
    union all
    select cast(date_trunc('month', note_date) as date), -tax_amount, 0 from {{ ref('stg_jxc__credit_notes') }}
    union all
    select cast(date_trunc('month', bill_date) as date), 0, tax_amount
    from {{ ref('stg_jxc__supplier_bills') }} where bill_status = 'posted'
    union all
    select cast(date_trunc('month', note_date) as date), 0, -tax_amount from {{ ref('stg_jxc__debit_notes') }}
),

by_month as (
    select vat_month, sum(output_tax) as output_tax, sum(input_tax) as input_tax
    from documents group by vat_month
),

marts as (
    select coalesce(o.vat_month, i.vat_month) as vat_month,
           coalesce(o.output_tax, 0) as output_tax, coalesce(i.input_tax, 0) as input_tax
    from (select vat_month, sum(output_tax) as output_tax from {{ ref('mart_output_vat_monthly') }} group by 1) as o
    full join (select vat_month, sum(input_tax) as input_tax from {{ ref('mart_input_vat_monthly') }} group by 1) as i
        on i.vat_month = o.vat_month
)

select coalesce(d.vat_month, m.vat_month) as vat_month, d.output_tax as documents_output, m.output_tax as mart_output,
       d.input_tax as documents_input, m.input_tax as mart_input
from by_month as d
full join marts as m on m.vat_month = d.vat_month
where coalesce(d.output_tax, 0) <> coalesce(m.output_tax, 0)
   or coalesce(d.input_tax, 0) <> coalesce(m.input_tax, 0)
