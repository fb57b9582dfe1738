select
    id as category_id,
    code as category_code,
    name as category_name,
    parent_id as parent_category_id,
    updated_at
from {{ source('raw', 'product_category') }}
