-- Landed cost added to a receipt after it was posted, per receipt ledger row: the sum of the
-- allocations of posted landed-cost documents (a cancelled document counts for nothing). This is
-- the valuation's added_cost (operational.services.valuation.LedgerMovement.added_cost).
select
    a.stock_ledger_id,
    a.product_id,
    sum(a.amount) as added_cost,
    count(*) as allocation_count
from {{ ref('stg_jxc__landed_cost_allocations') }} as a
join {{ ref('stg_jxc__landed_costs') }} as d on d.landed_cost_id = a.landed_cost_id
where d.status = 'posted'
group by a.stock_ledger_id, a.product_id
