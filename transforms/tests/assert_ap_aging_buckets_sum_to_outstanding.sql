-- AP aging: per report date × supplier the buckets (the unapplied one included) add up to the net balance computed straight
-- from instalments and allocations, and on the latest date to fct_payable_instalments' open amount
-- (the extract's picture). A row here is a difference. Blocks publishing.
{{ config(meta={'dagster': {'ref': {'name': 'mart_ap_aging'}}}) }}
{{ aging_buckets_sum_to_outstanding(
    ref('mart_ap_aging'), 'supplier_id', ref('int_ap_report_dates'), ref('stg_jxc__supplier_bills'), 'bill_id',
    'bill_date', 'bill_status', ref('stg_jxc__ap_instalments'), ref('stg_jxc__ap_allocations'),
    ref('fct_payable_instalments'), ref('int_ap_unapplied_movements'), ref('fct_payable_unapplied')) }}
