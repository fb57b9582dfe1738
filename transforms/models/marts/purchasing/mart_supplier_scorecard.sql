-- Supplier scorecard (供应商评估) per supplier and month, and over the rolling 12 months ending
-- with that month (DESIGN.md):
--   on-time rate  = quantity accepted on or before the line's promised date ÷ quantity due, for
--                   order lines promised in the period (and already due); a line's quantity due is
--                   ordered − cancelled (cancelled quantity is never due) and what it counts on
--                   time is at most that;
--   in-full rate  = lines fully received (received ≥ ordered − cancelled) ÷ lines due; a line
--                   cancelled entirely with nothing received is not a line due;
--   reject rate   = rejected ÷ inspected quantity, receipts in the period (quality = 1 − it);
--   lead time     = receipt date − order date per receipt line: mean and standard deviation;
--   price change  = mean relative change of the net price against the same product's previous order.
-- score = weighted mean of on-time, in-full and quality over those that have data; weights from
-- var('supplier_scorecard_weights'). No data is no data: NULL, never 100 %.
{%- set w = var('supplier_scorecard_weights', {'on_time': 0.4, 'in_full': 0.3, 'quality': 0.3}) %}

with last_day as (
    select max(date_day) as last_day from {{ ref('dim_date') }}
),

lines as (
    select
        o.supplier_id,
        l.purchase_order_line_id,
        l.quantity - l.cancelled_qty as due_qty,
        l.received_qty,
        coalesce(l.promised_date, o.expected_date, o.order_date) as promised_date
    from {{ ref('stg_jxc__purchase_order_lines') }} as l
    join {{ ref('stg_jxc__purchase_orders') }} as o on o.purchase_order_id = l.purchase_order_id
    where o.status in ('confirmed', 'partial', 'completed', 'closed')
),

on_time as (
    select gl.purchase_order_line_id, sum(gl.quantity) as accepted_on_time
    from {{ ref('stg_jxc__goods_receipt_lines') }} as gl
    join {{ ref('stg_jxc__goods_receipts') }} as g on g.goods_receipt_id = gl.goods_receipt_id
    join lines as l on l.purchase_order_line_id = gl.purchase_order_line_id
    where g.receipt_date <= l.promised_date and g.status <> 'cancelled'
    group by gl.purchase_order_line_id
),

delivery as (
    select
        l.supplier_id,
        strftime(l.promised_date, '%Y-%m') as year_month,
        sum(l.due_qty) as qty_due,
        sum(least(coalesce(t.accepted_on_time, 0), l.due_qty)) as qty_on_time,
        count(*) as lines_due,
        count(*) filter (where l.received_qty >= l.due_qty) as lines_in_full
    from lines as l
    left join on_time as t on t.purchase_order_line_id = l.purchase_order_line_id
    where l.promised_date <= (select last_day from last_day)
      and (l.due_qty > 0 or l.received_qty > 0)
    group by 1, 2
),

receiving as (
    select
        g.supplier_id,
        strftime(g.receipt_date, '%Y-%m') as year_month,
        sum(gl.quantity + gl.rejected_qty) as qty_inspected,
        sum(gl.rejected_qty) as qty_rejected,
        count(*) as receipt_lines,
        sum(g.receipt_date - o.order_date) as lead_days_sum,
        sum((g.receipt_date - o.order_date) * (g.receipt_date - o.order_date)) as lead_days_sq
    from {{ ref('stg_jxc__goods_receipt_lines') }} as gl
    join {{ ref('stg_jxc__goods_receipts') }} as g on g.goods_receipt_id = gl.goods_receipt_id
    join {{ ref('stg_jxc__purchase_orders') }} as o on o.purchase_order_id = g.purchase_order_id
    where g.status <> 'cancelled'  -- a cancelled (作废) receipt was never inspected
    group by 1, 2
),

prices as (
    select
        o.supplier_id,
        strftime(o.order_date, '%Y-%m') as year_month,
        l.unit_price * (1 - l.discount_rate) as net_price,
        lag(l.unit_price * (1 - l.discount_rate)) over (
            partition by o.supplier_id, l.product_id order by o.order_date, l.purchase_order_line_id
        ) as previous_price
    from {{ ref('stg_jxc__purchase_order_lines') }} as l
    join {{ ref('stg_jxc__purchase_orders') }} as o on o.purchase_order_id = l.purchase_order_id
    where o.status <> 'cancelled'
),

pricing as (
    select supplier_id, year_month, sum((net_price - previous_price) / previous_price) as price_change_sum,
           count(*) as price_changes
    from prices
    where previous_price > 0
    group by 1, 2
),

grid as (
    select s.supplier_id, m.year_month, m.month_start
    from {{ ref('dim_supplier') }} as s
    cross join (select year_month, min(date_day) as month_start from {{ ref('dim_date') }} group by 1) as m
),

monthly as (
    select
        g.supplier_id,
        g.year_month,
        g.month_start,
        coalesce(d.qty_due, 0) as qty_due,
        coalesce(d.qty_on_time, 0) as qty_on_time,
        coalesce(d.lines_due, 0) as lines_due,
        coalesce(d.lines_in_full, 0) as lines_in_full,
        coalesce(r.qty_inspected, 0) as qty_inspected,
        coalesce(r.qty_rejected, 0) as qty_rejected,
        coalesce(r.receipt_lines, 0) as receipt_lines,
        coalesce(r.lead_days_sum, 0) as lead_days_sum,
        coalesce(r.lead_days_sq, 0) as lead_days_sq,
        coalesce(p.price_change_sum, 0) as price_change_sum,
        coalesce(p.price_changes, 0) as price_changes
    from grid as g
    left join delivery as d using (supplier_id, year_month)
    left join receiving as r using (supplier_id, year_month)
    left join pricing as p using (supplier_id, year_month)
),

periods as (
    select 'month' as period, * from monthly
    union all
    select
        'rolling_12m' as period,
        supplier_id,
        year_month,
        month_start,
        {% for c in ['qty_due', 'qty_on_time', 'lines_due', 'lines_in_full', 'qty_inspected', 'qty_rejected',
                     'receipt_lines', 'lead_days_sum', 'lead_days_sq', 'price_change_sum', 'price_changes'] -%}
        sum({{ c }}) over (partition by supplier_id order by month_start rows between 11 preceding and current row) as {{ c }}{{ ',' if not loop.last }}
        {% endfor %}
    from monthly
),

rates as (
    select
        *,
        case when qty_due > 0 then qty_on_time / qty_due end as on_time_rate,
        case when lines_due > 0 then lines_in_full / lines_due end as in_full_rate,
        case when qty_inspected > 0 then qty_rejected / qty_inspected end as reject_rate,
        case when receipt_lines > 0 then lead_days_sum / receipt_lines end as lead_time_mean,
        case when receipt_lines > 1 then sqrt(greatest(
            (lead_days_sq - lead_days_sum * lead_days_sum / receipt_lines) / (receipt_lines - 1), 0)) end as lead_time_stddev,
        case when price_changes > 0 then price_change_sum / price_changes end as price_change_mean
    from periods
),

scored as (
    select
        *,
        (coalesce({{ w['on_time'] }} * on_time_rate, 0) + coalesce({{ w['in_full'] }} * in_full_rate, 0)
            + coalesce({{ w['quality'] }} * (1 - reject_rate), 0))
        / nullif(
            case when on_time_rate is not null then {{ w['on_time'] }} else 0 end
            + case when in_full_rate is not null then {{ w['in_full'] }} else 0 end
            + case when reject_rate is not null then {{ w['quality'] }} else 0 end, 0) as score
    from rates
)

select
    supplier_id,
    year_month,
    month_start,
    period,
    {{ qty('qty_due') }} as qty_due,
    {{ qty('qty_on_time') }} as qty_on_time,
    cast(lines_due as integer) as lines_due,
    cast(lines_in_full as integer) as lines_in_full,
    {{ qty('qty_inspected') }} as qty_inspected,
    {{ qty('qty_rejected') }} as qty_rejected,
    cast(receipt_lines as integer) as receipt_lines,
    cast(round(on_time_rate, 4) as decimal(9, 4)) as on_time_rate,
    cast(round(in_full_rate, 4) as decimal(9, 4)) as in_full_rate,
    cast(round(reject_rate, 4) as decimal(9, 4)) as reject_rate,
    cast(round(lead_time_mean, 2) as decimal(9, 2)) as lead_time_mean,
    cast(round(lead_time_stddev, 2) as decimal(9, 2)) as lead_time_stddev,
    cast(round(price_change_mean, 4) as decimal(9, 4)) as price_change_mean,
    cast(round(score, 4) as decimal(9, 4)) as score,
    case
        when score is null then null
        when score >= 0.95 then 'A'
        when score >= 0.85 then 'B'
        when score >= 0.70 then 'C'
        else 'D'
    end as grade
from scored
