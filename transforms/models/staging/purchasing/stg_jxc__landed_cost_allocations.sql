select
    id as landed_cost_allocation_id,
    landed_cost_id,
    line_no,
    receipt_id as goods_receipt_id,
    receipt_line_id as goods_receipt_line_id,
    stock_ledger_id,
    product_id,
    basis_quantity,
    basis_value,
    amount
from {{ source('jxc_landed_costs', 'landed_cost_allocation') }}
