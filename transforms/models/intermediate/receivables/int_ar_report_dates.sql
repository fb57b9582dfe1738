-- The dates AR is reported as of (mart_ar_aging): month ends, the latest date and var('ar_report_dates');
-- the rule is the macro open_item_report_dates, shared with AP.
{{ open_item_report_dates(ref('stg_jxc__sales_invoices'), 'invoice_date', 'invoice_status',
                          ref('stg_jxc__ar_allocations'), 'ar_report_dates', ref('int_ar_unapplied_movements')) }}
