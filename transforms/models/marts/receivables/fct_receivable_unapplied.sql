-- One row per customer receipt or credit note: its amount, what is applied, what was reversed and
-- what still stands unapplied (未核销) as extracted. Subtracted from fct_receivable_instalments it
-- gives each customer's net balance (the reconciliation check compares it with the store).
{{ open_item_unapplied_by_source(ref('int_ar_unapplied_movements'), 'customer_id') }}
