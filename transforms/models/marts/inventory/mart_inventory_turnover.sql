-- Inventory turnover per product × warehouse × month (DESIGN.md): cost of goods sold in the month
-- ÷ average inventory value, the mean of the daily closing values over every day of the month in
-- the date spine (a day without stock counts as 0); days of inventory = days ÷ turnover.
-- Turnover does not add up; for a category or the company use sum(cogs) ÷ sum(average_inventory).
with days as (
    select year_month, count(*) as days_in_period, min(date_day) as first_day
    from {{ ref('dim_date') }}
    group by year_month
),

inventory as (
    select strftime(date_day, '%Y-%m') as year_month, product_id, warehouse_id, sum(closing_value) as value_days
    from {{ ref('mart_inventory_daily') }}
    group by 1, 2, 3
),

cogs as (
    select strftime(movement_date, '%Y-%m') as year_month, product_id, warehouse_id, -sum(movement_value) as cogs
    from {{ ref('int_movement_valuation') }}
    where movement_type in ('shipment', 'sales_return')
    group by 1, 2, 3
),

keys as (
    select year_month, product_id, warehouse_id from inventory
    union
    select year_month, product_id, warehouse_id from cogs
),

measured as (
    select
        k.year_month,
        d.first_day as month_start,
        k.product_id,
        k.warehouse_id,
        d.days_in_period,
        coalesce(c.cogs, 0) as cogs,
        coalesce(i.value_days, 0) / d.days_in_period as average_inventory
    from keys as k
    join days as d on d.year_month = k.year_month
    left join inventory as i
        on i.year_month = k.year_month and i.product_id = k.product_id and i.warehouse_id = k.warehouse_id
    left join cogs as c
        on c.year_month = k.year_month and c.product_id = k.product_id and c.warehouse_id = k.warehouse_id
)

select
    m.year_month,
    m.month_start,
    m.product_id,
    p.category_id,
    m.warehouse_id,
    m.days_in_period,
    {{ money('m.cogs') }} as cogs,
    {{ money('m.average_inventory') }} as average_inventory,
    case when m.average_inventory > 0 then cast(round(m.cogs / m.average_inventory, 4) as decimal(18, 4)) end as turnover,
    case when m.average_inventory > 0 and m.cogs > 0
        then cast(round(m.days_in_period * m.average_inventory / m.cogs, 1) as decimal(18, 1)) end as days_of_inventory
from measured as m
join {{ ref('dim_product') }} as p on p.product_id = m.product_id
