select
    id as landed_cost_id,
    doc_no as landed_cost_no,
    supplier_id,
    cost_type,
    amount,
    cost_date,
    allocation_basis,
    status,
    note,
    created_by,
    created_at,
    cancelled_at,
    cancelled_by,
    cancel_reason,
    updated_at
from {{ source('jxc_landed_costs', 'landed_cost') }}
