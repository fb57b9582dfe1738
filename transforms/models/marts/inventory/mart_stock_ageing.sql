-- How old what is on hand is, per product: the arrival layers still on hand (first in, first out)
-- aged from the day they arrived to the last day of the date spine, in buckets.
with layers as (
    select
        product_id,
        movement_date as received_on,
        layer_remaining_qty as quantity,
        layer_unit_cost as unit_cost
    from {{ ref('int_movement_valuation') }}
    where layer_remaining_qty > 0
),

aged as (
    select
        l.*,
        (select max(date_day) from {{ ref('dim_date') }}) - l.received_on as age_days
    from layers as l
)

select
    a.product_id,
    p.category_id,
    case
        when a.age_days <= 30 then '0-30'
        when a.age_days <= 60 then '31-60'
        when a.age_days <= 90 then '61-90'
        when a.age_days <= 180 then '91-180'
        when a.age_days <= 365 then '181-365'
        else '365+'
    end as age_bucket,
    min(a.age_days) as youngest_days,
    max(a.age_days) as oldest_days,
    {{ qty('sum(a.quantity)') }} as quantity,
    {{ money('sum(a.quantity * a.unit_cost)') }} as value
from aged as a
join {{ ref('dim_product') }} as p on p.product_id = a.product_id
group by a.product_id, p.category_id, 3
