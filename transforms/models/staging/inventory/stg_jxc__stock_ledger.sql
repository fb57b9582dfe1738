select
    id as stock_ledger_id,
    movement_date,
    posted_at,
    product_id,
    warehouse_id,
    movement_type,
    quantity,
    unit_cost,
    cost_amount,
    doc_type,
    doc_id,
    doc_line_id,
    doc_no,
    source_ledger_id,
    batch_id,
    bin_id,
    reverses_ledger_id
from {{ source('raw', 'stock_ledger') }}
