-- Fill rate to customers (交付满足率) per customer and month of the date the goods were due:
--   fill rate    = quantity shipped on time and in full ÷ quantity ordered (due), where a line counts
--                  its whole due quantity only if all of it had shipped by its due date, else nothing;
--   on-time rate = quantity shipped by the due date (at most the line's due quantity) ÷ quantity due.
-- Due quantity = ordered − cancelled (cancelled quantity is never due); due date = the order's
-- required date, else its order date. Orders still in draft and cancelled orders are not due; lines
-- due after the calendar's last day are not yet counted. No data is no data: NULL, never 100 %.
with last_day as (
    select max(date_day) as last_day from {{ ref('dim_date') }}
),

lines as (
    select
        sales_order_line_id,
        customer_id,
        due_qty,
        coalesce(required_date, order_date) as due_date
    from {{ ref('fct_sales_lines') }}
    where status in ('confirmed', 'partial', 'completed', 'closed')
      and due_qty > 0
),

shipped_by_due as (
    select l.sales_order_line_id, sum(sl.quantity) as qty
    from lines as l
    join {{ ref('stg_jxc__shipment_lines') }} as sl on sl.sales_order_line_id = l.sales_order_line_id
    join {{ ref('stg_jxc__shipments') }} as sh on sh.shipment_id = sl.shipment_id
    where sh.status <> 'cancelled' and sh.ship_date <= l.due_date
    group by l.sales_order_line_id
),

scored as (
    select
        l.customer_id,
        strftime(l.due_date, '%Y-%m') as year_month,
        l.due_qty,
        least(coalesce(s.qty, 0), l.due_qty) as on_time_qty,
        case when coalesce(s.qty, 0) >= l.due_qty then l.due_qty else 0 end as otif_qty
    from lines as l
    left join shipped_by_due as s on s.sales_order_line_id = l.sales_order_line_id
    where l.due_date <= (select last_day from last_day)
)

select
    customer_id,
    year_month,
    {{ qty('sum(due_qty)') }} as qty_due,
    {{ qty('sum(on_time_qty)') }} as qty_on_time,
    {{ qty('sum(otif_qty)') }} as qty_on_time_in_full,
    count(*) as lines_due,
    count(*) filter (where otif_qty > 0) as lines_on_time_in_full,
    cast(sum(otif_qty) / nullif(sum(due_qty), 0) as double) as fill_rate,
    cast(sum(on_time_qty) / nullif(sum(due_qty), 0) as double) as on_time_rate
from scored
group by customer_id, year_month
