-- One row per receipt line a landed-cost document (entered after the receipts) is spread over,
-- with the document, the receipt and the part of the cost the line carries. Cancelled documents
-- are included (filter on status): only posted ones count in the stock value.
select
    a.landed_cost_allocation_id,
    a.landed_cost_id,
    d.landed_cost_no,
    d.cost_date,
    d.cost_type,
    d.allocation_basis,
    d.status,
    d.supplier_id as cost_supplier_id,
    g.supplier_id as goods_supplier_id,
    a.goods_receipt_id,
    g.doc_no as receipt_no,
    g.receipt_date,
    g.warehouse_id,
    a.goods_receipt_line_id,
    a.stock_ledger_id,
    a.product_id,
    a.basis_quantity,
    a.basis_value,
    a.amount as allocated_amount,
    d.amount as document_amount
from {{ ref('stg_jxc__landed_cost_allocations') }} as a
join {{ ref('stg_jxc__landed_costs') }} as d on d.landed_cost_id = a.landed_cost_id
join {{ ref('stg_jxc__goods_receipts') }} as g on g.goods_receipt_id = a.goods_receipt_id
