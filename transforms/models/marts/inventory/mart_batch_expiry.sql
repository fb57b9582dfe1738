-- Batches on hand per warehouse with their expiry (临期预警): days left to the last day of dim_date
-- and a status: expired, expiring (within var('expiry_alert_days'), default 30) or ok. Quantities
-- come from the ledger's batch rows; value at the product × warehouse unit cost.
with on_hand as (
    select product_id, warehouse_id, batch_id, sum(quantity) as quantity
    from {{ ref('stg_jxc__stock_ledger') }}
    where batch_id is not null
    group by 1, 2, 3
    having sum(quantity) <> 0
),

last_day as (
    select max(date_day) as last_day from {{ ref('dim_date') }}
)

select
    o.batch_id,
    o.product_id,
    p.category_id,
    o.warehouse_id,
    b.batch_no,
    b.expiry_date,
    b.expiry_date - l.last_day as days_left,
    case
        when b.expiry_date is null then 'ok'
        when b.expiry_date < l.last_day then 'expired'
        when b.expiry_date - l.last_day <= {{ var('expiry_alert_days', 30) }} then 'expiring'
        else 'ok'
    end as expiry_status,
    {{ qty('o.quantity') }} as on_hand_quantity,
    {{ money('o.quantity * coalesce(s.unit_cost, 0)') }} as value
from on_hand as o
join {{ ref('stg_jxc__stock_batches') }} as b on b.batch_id = o.batch_id
join {{ ref('dim_product') }} as p on p.product_id = o.product_id
cross join last_day as l
left join {{ ref('mart_stock_current') }} as s on s.product_id = o.product_id and s.warehouse_id = o.warehouse_id
