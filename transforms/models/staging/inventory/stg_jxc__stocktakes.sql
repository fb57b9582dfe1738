select
    id as stocktake_id,
    doc_no,
    warehouse_id,
    category_id,
    count_date,
    status,
    posted_date,
    updated_at
from {{ source('raw', 'stocktake') }}
