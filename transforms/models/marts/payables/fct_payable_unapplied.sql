-- One row per paid supplier payment or debit note: its amount, what is applied, what was reversed
-- and what still stands unapplied (未核销) as extracted. Subtracted from fct_payable_instalments it
-- gives each supplier's net payable (the reconciliation check compares it with the store).
{{ open_item_unapplied_by_source(ref('int_ap_unapplied_movements'), 'supplier_id') }}
