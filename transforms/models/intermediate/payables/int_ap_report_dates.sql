-- The dates AP is reported as of (mart_ap_aging, mart_dpo_monthly, mart_upcoming_payments): month ends,
-- the latest date and var('ap_report_dates'); the rule is the macro open_item_report_dates, shared with AR.
{{ open_item_report_dates(ref('stg_jxc__supplier_bills'), 'bill_date', 'bill_status',
                          ref('stg_jxc__ap_allocations'), 'ap_report_dates', ref('int_ap_unapplied_movements')) }}
