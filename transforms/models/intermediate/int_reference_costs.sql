-- The reference unit cost set on a day: the cost of the product's last receipt or opening balance
-- posted that day (company-wide). mart_inventory_daily carries it forward with an ASOF join.
select
    product_id,
    movement_date as cost_date,
    arg_max(unit_cost, stock_ledger_id) as unit_cost
from {{ ref('stg_jxc__stock_ledger') }}
where movement_type in ('receipt', 'opening')
  and quantity > 0
  and unit_cost is not null
group by product_id, movement_date
