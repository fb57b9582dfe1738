-- Sales net of returns at the finest grain every summary needs: shipments on their ship date and
-- customer returns on their return date, so a summary by day, customer, product, category,
-- salesperson or region is one GROUP BY over this table.
with shipped as (
    select
        ship_date as date_day, customer_id, salesperson_id, region, product_id, category_id, warehouse_id,
        quantity as shipped_qty, revenue, cogs,
        cast(0 as decimal(18, 4)) as returned_qty,
        cast(0 as decimal(18, 2)) as returns_revenue,
        cast(0 as decimal(18, 2)) as returns_cost
    from {{ ref('fct_shipment_lines') }}
),

returned as (
    select
        return_date as date_day, customer_id, salesperson_id, region, product_id, category_id, warehouse_id,
        cast(0 as decimal(18, 4)) as shipped_qty,
        cast(0 as decimal(18, 2)) as revenue,
        cast(0 as decimal(18, 2)) as cogs,
        quantity as returned_qty,
        revenue_reversed as returns_revenue,
        cost_returned as returns_cost
    from {{ ref('fct_sales_return_lines') }}
),

moves as (
    select * from shipped
    union all
    select * from returned
)

select
    date_day,
    customer_id,
    salesperson_id,
    region,
    product_id,
    category_id,
    warehouse_id,
    {{ qty('sum(shipped_qty)') }} as shipped_qty,
    {{ money('sum(revenue)') }} as revenue,
    {{ money('sum(cogs)') }} as cogs,
    {{ money('sum(revenue) - sum(cogs)') }} as gross_margin,
    {{ qty('sum(returned_qty)') }} as returned_qty,
    {{ money('sum(returns_revenue)') }} as returns_revenue,
    {{ money('sum(returns_cost)') }} as returns_cost,
    {{ money('sum(revenue) - sum(returns_revenue)') }} as net_revenue,
    {{ money('sum(cogs) - sum(returns_cost)') }} as net_cogs,
    {{ money('sum(revenue) - sum(returns_revenue) - sum(cogs) + sum(returns_cost)') }} as net_margin
from moves
group by date_day, customer_id, salesperson_id, region, product_id, category_id, warehouse_id
