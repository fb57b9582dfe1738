-- Each product × warehouse is carried forward every day from its first movement to the last day of
-- dim_date. int_valuation_closings has a row on each day the product moved (in any warehouse, since
-- a movement elsewhere can change the company-wide unit cost); between two such days nothing
-- changes, so each row is simply repeated until the next one.
--
-- Incremental: a product revalued since the last build (new or back-dated movements, see
-- int_movement_valuation) is rewritten from its `revalued_from` day on; every other pair only gets
-- the new days after the old last day. A post-hook saves the batch and last day this build used.
-- Moving var('as_of_date') backwards needs --full-refresh.
-- depends_on: {{ ref('int_valuation_closings') }}
{{
    config(
        materialized='incremental',
        unique_key=['product_id', 'warehouse_id', 'date_day'],
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns',
        pre_hook="{{ drop_revalued_inventory_days() }}",
        post_hook=[
            "delete from {{ this }} where date_day > (select max(date_day) from {{ ref('dim_date') }})",
            "{{ save_inventory_state() }}",
        ],
    )
}}
{%- set state = adapter.get_relation(this.database, 'intermediate', 'inventory_daily_state') if is_incremental() else none %}

with closings as (
    select * from {{ ref('int_valuation_closings') }}
),

bounds as (
    select max(date_day) as last_day from {{ ref('dim_date') }}
),

pairs as (
    select distinct product_id, warehouse_id from closings
),

{% if state is not none %}
revalued as (
    select product_id, min(revalued_from) as from_day
    from closings
    where valued_at > (select valued_at from {{ state }}) and revalued_from is not null
    group by product_id
),

starts as (
    -- A product revalued only from after the old last day (an appended day) still needs the days
    -- between: from whichever comes first.
    select p.product_id, p.warehouse_id,
           least(coalesce(r.from_day, (select last_day + 1 from {{ state }})), (select last_day + 1 from {{ state }})) as from_day
    from pairs as p
    left join revalued as r on r.product_id = p.product_id
),
{% else %}
starts as (
    select product_id, warehouse_id, date '0001-01-01' as from_day from pairs
),
{% endif %}

segments as (
    select
        c.product_id,
        c.warehouse_id,
        c.closing_date as start_day,
        coalesce(
            lead(c.closing_date) over (partition by c.product_id, c.warehouse_id order by c.closing_date) - 1,
            bounds.last_day
        ) as end_day,
        c.closing_quantity,
        c.closing_value
    from closings as c
    cross join bounds
    where c.closing_date <= bounds.last_day
)

select
    cast(unnest(generate_series(greatest(s.start_day, t.from_day), s.end_day, interval 1 day)) as date) as date_day,
    s.product_id,
    s.warehouse_id,
    {{ qty('s.closing_quantity') }} as closing_quantity,
    case when s.closing_quantity <> 0 then {{ unit_cost('s.closing_value / s.closing_quantity') }} end as unit_cost,
    {{ money('s.closing_value') }} as closing_value
from segments as s
join starts as t on t.product_id = s.product_id and t.warehouse_id = s.warehouse_id
where s.end_day >= t.from_day
