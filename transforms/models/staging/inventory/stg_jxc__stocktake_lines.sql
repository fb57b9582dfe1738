select
    id as stocktake_line_id,
    stocktake_id,
    line_no,
    product_id,
    book_qty,
    counted_qty,
    updated_at
from {{ source('raw', 'stocktake_line') }}
