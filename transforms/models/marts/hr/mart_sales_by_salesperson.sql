-- Shipped sales per salesperson (the sales order's salesperson) and month of the ship date, from
-- fct_shipment_lines: revenue, cost of goods sold and gross margin as the valuation gives them.
select
    strftime(s.ship_date, '%Y-%m') as year_month,
    cast(date_trunc('month', s.ship_date) as date) as month_start,
    s.salesperson_id,
    e.employee_code as salesperson_code,
    e.employee_name as salesperson_name,
    e.department,
    {{ money('sum(s.revenue)') }} as revenue,
    {{ money('coalesce(sum(s.cogs), 0)') }} as cogs,
    {{ money('sum(s.revenue) - coalesce(sum(s.cogs), 0)') }} as gross_margin,
    cast(round((sum(s.revenue) - coalesce(sum(s.cogs), 0)) / nullif(sum(s.revenue), 0), 4) as decimal(18, 4))
        as margin_rate,
    count(distinct s.sales_order_id) as orders,
    count(distinct s.customer_id) as customers,
    count(*) as shipment_lines,
    bool_or(s.cost_provisional) as cost_provisional
from {{ ref('fct_shipment_lines') }} as s
left join {{ ref('stg_jxc__hr_employees') }} as e on e.employee_id = s.salesperson_id
group by 1, 2, 3, 4, 5, 6
