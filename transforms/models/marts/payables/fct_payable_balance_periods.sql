-- What each AP instalment had open over time (macro open_item_balance_periods): aging as of any
-- date and DPO read it.
{{ open_item_balance_periods(ref('fct_payable_instalments'), ref('stg_jxc__ap_allocations'), 'bill_date',
                             ['supplier_id', 'bill_id', 'bill_no', 'supplier_invoice_no', 'bill_date', 'seq',
                              'due_date']) }}
