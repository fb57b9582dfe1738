-- What each supplier payment or debit note had unapplied (未核销) over time (macro
-- open_item_unapplied_periods): the AP aging's 未核销 column and the net AP of any date read it.
{{ open_item_unapplied_periods(ref('int_ap_unapplied_movements'), 'supplier_id') }}
