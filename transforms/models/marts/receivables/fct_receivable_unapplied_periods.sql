-- What each customer receipt or credit note had unapplied (未核销) over time (macro
-- open_item_unapplied_periods): the aging's 未核销 column and the net AR of any date read it.
{{ open_item_unapplied_periods(ref('int_ar_unapplied_movements'), 'customer_id') }}
