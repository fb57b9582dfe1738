-- AR aging: per report date × customer the buckets (the unapplied one included) add up to the net
-- balance computed straight from instalments, allocations and unapplied movements, and on the latest
-- date to fct_receivable_instalments' open amount less fct_receivable_unapplied (the extract's picture). A row here is a difference. Blocks publishing.
{{ config(meta={'dagster': {'ref': {'name': 'mart_ar_aging'}}}) }}
{{ aging_buckets_sum_to_outstanding(
    ref('mart_ar_aging'), 'customer_id', ref('int_ar_report_dates'), ref('stg_jxc__sales_invoices'), 'invoice_id',
    'invoice_date', 'invoice_status', ref('stg_jxc__ar_instalments'), ref('stg_jxc__ar_allocations'),
    ref('fct_receivable_instalments'), ref('int_ar_unapplied_movements'), ref('fct_receivable_unapplied')) }}
