select
    id as stock_transfer_id,
    doc_no,
    from_warehouse_id,
    to_warehouse_id,
    transit_warehouse_id,
    ship_date,
    receive_date,
    status,
    updated_at
from {{ source('raw', 'stock_transfer') }}
