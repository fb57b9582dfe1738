-- Cost per posted document line: the sum of the valued ledger rows the line posted. A line of a
-- batch-tracked product that moved several batches posted one row per batch. The marts that show a
-- line's cost (COGS of a shipment, cost returned by a customer, value of a stocktake difference)
-- read it from here.
select
    l.doc_type,
    l.doc_line_id,
    l.movement_type,
    sum(v.movement_value) as movement_value,
    bool_or(v.provisional) as provisional
from {{ ref('stg_jxc__stock_ledger') }} as l
join {{ ref('int_movement_valuation') }} as v on v.stock_ledger_id = l.stock_ledger_id
where l.doc_line_id is not null
group by l.doc_type, l.doc_line_id, l.movement_type
