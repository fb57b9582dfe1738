-- Per month: customers who ordered, and of them those who had already ordered in an earlier month.
with months as (
    select distinct customer_id, strftime(order_date, '%Y-%m') as year_month
    from {{ ref('int_customer_orders') }}
),

first_month as (
    select customer_id, min(year_month) as first_month from months group by customer_id
)

select
    m.year_month,
    cast(m.year_month || '-01' as date) as month_start,
    count(*) as customers_ordered,
    count(*) filter (where m.year_month > f.first_month) as repeat_customers,
    count(*) filter (where m.year_month = f.first_month) as new_customers,
    cast(round(count(*) filter (where m.year_month > f.first_month) / count(*), 4) as decimal(9, 4)) as repeat_rate
from months as m
join first_month as f on f.customer_id = m.customer_id
group by m.year_month
