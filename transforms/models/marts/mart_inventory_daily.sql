-- Each product × warehouse is carried forward every day from its first movement to the last day
-- of dim_date: closing = running sum of the signed ledger quantities up to and including that day.
--
-- Built from segments rather than a day-by-day window: between two "breakpoints" (a day with a
-- movement of the pair, or a day on which the product's reference cost changes) nothing changes, so
-- quantity, cost and value are computed once per segment and the segment is then unnested into its
-- days. The heavy work scales with the movements, not with pairs × days.
--
-- Incremental: each pair is rewritten from its `from_day` on (delete+insert by key); the quantity
-- carried into that day is a plain sum of the earlier changes. A post-hook saves the inputs' state
-- (highest ledger id, ledger row count, latest product change, last day); the next run starts at the
-- earliest movement date of newer ledger rows, or the day after the old last day. Products changed
-- since (their standard cost is the fallback cost) are rewritten in full; a ledger row that appeared
-- below the saved id (PostgreSQL commit order) rewrites everything. Moving var('as_of_date')
-- backwards needs --full-refresh.
-- depends_on: {{ ref('stg_jxc__stock_ledger') }}
-- depends_on: {{ ref('stg_jxc__products') }}
{{
    config(
        materialized='incremental',
        unique_key=['product_id', 'warehouse_id', 'date_day'],
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        post_hook=[
            "delete from {{ this }} where date_day > (select max(date_day) from {{ ref('dim_date') }})",
            "{{ save_inventory_state() }}",
        ],
    )
}}
{%- set state = adapter.get_relation(this.database, 'intermediate', 'inventory_daily_state') if is_incremental() else none %}

with changes as (
    select product_id, warehouse_id, movement_date, net_quantity
    from {{ ref('int_daily_stock_changes') }}
),

bounds as (
    select max(date_day) as last_day from {{ ref('dim_date') }}
),

{% if state is not none %}
refresh as (
    select
        case
            when (select count(*) from {{ ref('stg_jxc__stock_ledger') }} where stock_ledger_id <= st.stock_ledger_id)
                <> st.ledger_rows
            then date '0001-01-01'
            else least(
                coalesce((select min(movement_date) from {{ ref('stg_jxc__stock_ledger') }}
                          where stock_ledger_id > st.stock_ledger_id), st.last_day + 1),
                st.last_day + 1
            )
        end as from_day,
        st.products_updated_at
    from {{ state }} as st
),

changed_products as (
    select product_id
    from {{ ref('stg_jxc__products') }}
    where updated_at > (select products_updated_at from refresh)
),
{% else %}
refresh as (
    select date '0001-01-01' as from_day
),

changed_products as (
    select cast(null as integer) as product_id where false
),
{% endif %}

pairs as (
    select
        product_id,
        warehouse_id,
        greatest(
            min(movement_date),
            case
                when product_id in (select product_id from changed_products) then date '0001-01-01'
                else (select from_day from refresh)
            end
        ) as from_day
    from changes
    group by product_id, warehouse_id
),

carried as (
    select c.product_id, c.warehouse_id, sum(c.net_quantity) as quantity
    from changes as c
    join pairs as p on p.product_id = c.product_id and p.warehouse_id = c.warehouse_id
    where c.movement_date < p.from_day
    group by c.product_id, c.warehouse_id
),

breakpoints as (
    select product_id, warehouse_id, from_day as start_day
    from pairs
    union
    select c.product_id, c.warehouse_id, c.movement_date
    from changes as c
    join pairs as p on p.product_id = c.product_id and p.warehouse_id = c.warehouse_id
    where c.movement_date > p.from_day
    union
    select p.product_id, p.warehouse_id, rc.cost_date
    from pairs as p
    join {{ ref('int_reference_costs') }} as rc
        on rc.product_id = p.product_id and rc.cost_date > p.from_day
),

segments as (
    select
        b.product_id,
        b.warehouse_id,
        b.start_day,
        coalesce(
            lead(b.start_day) over (partition by b.product_id, b.warehouse_id order by b.start_day) - 1,
            bounds.last_day
        ) as end_day,
        coalesce(k.quantity, 0) + sum(coalesce(c.net_quantity, 0)) over (
            partition by b.product_id, b.warehouse_id order by b.start_day
            rows between unbounded preceding and current row
        ) as closing_quantity
    from breakpoints as b
    cross join bounds
    left join changes as c
        on c.product_id = b.product_id and c.warehouse_id = b.warehouse_id and c.movement_date = b.start_day
    left join carried as k
        on k.product_id = b.product_id and k.warehouse_id = b.warehouse_id
    where b.start_day <= bounds.last_day
),

costed as (
    select
        s.product_id,
        s.warehouse_id,
        s.start_day,
        s.end_day,
        s.closing_quantity,
        coalesce(rc.unit_cost, p.standard_cost) as reference_unit_cost
    from segments as s
    join {{ ref('dim_product') }} as p on p.product_id = s.product_id
    asof left join {{ ref('int_reference_costs') }} as rc
        on rc.product_id = s.product_id and s.start_day >= rc.cost_date
)

select
    cast(unnest(generate_series(start_day, end_day, interval 1 day)) as date) as date_day,
    product_id,
    warehouse_id,
    {{ qty('closing_quantity') }} as closing_quantity,
    {{ unit_cost('reference_unit_cost') }} as reference_unit_cost,
    {{ money('closing_quantity * reference_unit_cost') }} as closing_value
from costed
