-- What each AR instalment had open over time (macro open_item_balance_periods): aging as of any
-- date, month-end balances and DSO read it.
{{ open_item_balance_periods(ref('fct_receivable_instalments'), ref('stg_jxc__ar_allocations'), 'invoice_date',
                             ['customer_id', 'invoice_id', 'invoice_no', 'invoice_date', 'seq', 'due_date']) }}
