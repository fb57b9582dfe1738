-- 13-week cash forecast from the last day of the cash data: starting cash (sum of every account's
-- closing balance), then per week the money expected in and out by source. An item expected on
-- or before the start (overdue) falls in week 1; items after week 13 are left out.
--
-- Sources: AR instalments still outstanding (at their due date), the value of open sales orders
-- still to ship — neither shipped nor cancelled — (required date, else order date, + the customer's
-- payment terms), AP instalments still outstanding (due date), the value of open purchase orders
-- still to receive — neither received nor cancelled — (promised date, else
-- expected date, else order date, + the supplier's terms), and approved claims not yet paid
-- (week 1). The AR and AP parts read fct_receivable_instalments / fct_payable_instalments; each
-- can be switched off with the dbt vars cash_forecast_receivables / cash_forecast_payables.
{%- set weeks = 13 %}
{%- set with_ar = var('cash_forecast_receivables', true) %}
{%- set with_ap = var('cash_forecast_payables', true) %}

with start as (
    select coalesce(
        (select max(date_day) from {{ ref('mart_cash_position_daily') }}),
        {{ as_of_date() }}
    ) as forecast_date
),

starting_cash as (
    select coalesce(sum(closing_balance), 0) as starting_cash
    from {{ ref('mart_cash_position_daily') }}
    where date_day = (select forecast_date from start)
),

items as (
    {%- if with_ar %}
    select 'ar_instalments' as source, due_date as expected_date, outstanding_amount as amount
    from {{ ref('fct_receivable_instalments') }}
    where outstanding_amount > 0
    union all
    {%- endif %}
    select 'open_sales_orders' as source,
           cast(coalesce(l.required_date, l.order_date) + c.payment_terms_days as date) as expected_date,
           {{ vat_gross('l.open_qty * l.unit_price * (1 - l.discount_rate)', 'l.tax_rate', 'l.price_includes_tax') }}
               as amount  -- money moves gross of VAT
    from {{ ref('fct_sales_lines') }} as l
    join {{ ref('dim_customer') }} as c on c.customer_id = l.customer_id
    where l.status in ('confirmed', 'partial') and l.open_qty > 0
    {%- if with_ap %}
    union all
    select 'ap_instalments', due_date, -outstanding_amount
    from {{ ref('fct_payable_instalments') }}
    where outstanding_amount > 0
    {%- endif %}
    union all
    select 'open_purchase_orders',
           cast(coalesce(l.promised_date, l.expected_date, l.order_date) + s.payment_terms_days as date),
           -({{ vat_gross('l.open_qty * l.unit_price * (1 - l.discount_rate)', 'l.tax_rate', 'l.price_includes_tax') }})
    from {{ ref('fct_purchase_lines') }} as l
    join {{ ref('dim_supplier') }} as s on s.supplier_id = l.supplier_id
    where l.status in ('confirmed', 'partial') and l.open_qty > 0
    union all
    select 'approved_claims', cast(null as date), -total_amount
    from {{ ref('stg_jxc__expense_claims') }}
    where status = 'approved'
),

placed as (
    select
        i.source,
        i.amount,
        case
            when i.expected_date is null or i.expected_date <= s.forecast_date + 7 then 1
            else cast(floor((i.expected_date - s.forecast_date - 1) / 7) as integer) + 1
        end as week_no
    from items as i
    cross join start as s
),

sources as (
    select * from (values
        ('ar_instalments', 'in'), ('open_sales_orders', 'in'), ('ap_instalments', 'out'),
        ('open_purchase_orders', 'out'), ('approved_claims', 'out')
    ) as t (source, direction)
),

grid as (
    select w.week_no, s.source, s.direction
    from (select cast(unnest(range(1, {{ weeks + 1 }})) as integer) as week_no) as w
    cross join sources as s
),

flows as (
    select
        g.week_no,
        g.source,
        g.direction,
        coalesce(sum(p.amount), 0) as amount,
        count(p.amount) as items
    from grid as g
    left join placed as p on p.week_no = g.week_no and p.source = g.source
    group by g.week_no, g.source, g.direction
),

weekly as (
    select
        week_no,
        sum(amount) as week_net_flow,
        sum(sum(amount)) over (order by week_no rows between unbounded preceding and current row) as cumulative_flow
    from flows
    group by week_no
)

select
    s.forecast_date,
    f.week_no,
    cast(s.forecast_date + 1 + 7 * (f.week_no - 1) as date) as week_start,
    cast(s.forecast_date + 7 * f.week_no as date) as week_end,
    f.source,
    f.direction,
    {{ money('f.amount') }} as amount,
    cast(f.items as integer) as items,
    {{ money('c.starting_cash') }} as starting_cash,
    {{ money('c.starting_cash + w.cumulative_flow - w.week_net_flow') }} as week_opening_balance,
    {{ money('w.week_net_flow') }} as week_net_flow,
    {{ money('c.starting_cash + w.cumulative_flow') }} as week_closing_balance
from flows as f
join weekly as w on w.week_no = f.week_no
cross join start as s
cross join starting_cash as c
