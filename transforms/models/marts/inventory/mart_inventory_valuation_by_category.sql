-- Company-wide stock value and flows per category and day: mart_inventory_valuation summed over
-- the products of each category. The inventory-analysis page's value trend reads this instead of
-- summing the product × day mart at request time (1.1M rows at scale 20 for a whole year, the
-- slowest query of that page); the sums are exact (DECIMAL), so every figure is the same.
select
    date_day,
    category_id,
    {{ qty('sum(closing_quantity)') }} as closing_quantity,
    {{ money('sum(closing_value)') }} as closing_value,
    {{ money('sum(received_value)') }} as received_value,
    {{ money('sum(cogs)') }} as cogs,
    {{ money('sum(adjustment_value)') }} as adjustment_value,
    count(*) as product_count
from {{ ref('mart_inventory_valuation') }}
group by date_day, category_id
