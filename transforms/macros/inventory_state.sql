{#- State mart_inventory_daily was last built from (see that model): the valuation batch and the
    last day. Kept beside the intermediate models, not in marts, so it is never published. -#}
{% macro save_inventory_state() -%}
    create or replace table {{ api.Relation.create(database=this.database, schema='intermediate', identifier='inventory_daily_state') }} as
    select
        (select max(valued_at) from {{ ref('int_valuation_closings') }}) as valued_at,
        (select max(date_day) from {{ ref('dim_date') }}) as last_day
{%- endmacro %}

{#- Before an incremental mart_inventory_daily: drop the days of every product revalued since the
    last build, from the day it was revalued from. The model then rewrites them from its closings;
    a day or a product × warehouse that has no closing any more (a cancelled (作废) document was its
    only movement) must not stay behind. -#}
{% macro drop_revalued_inventory_days() -%}
    {%- set state = adapter.get_relation(this.database, 'intermediate', 'inventory_daily_state') if is_incremental() else none -%}
    {%- if state is not none -%}
    delete from {{ this }} as t
    using (
        select product_id, min(revalued_from) as from_day
        from {{ ref('int_valuation_closings') }}
        where valued_at > (select valued_at from {{ state }}) and revalued_from is not null
        group by product_id
    ) as r
    where t.product_id = r.product_id and t.date_day >= r.from_day
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}

{#- After an incremental int_valuation_closings: the products revalued in the latest valuation batch
    were rewritten from their revalued_from day; their rows of an older batch from that day on are
    closings that no longer exist (a day whose only movements were a cancelled document and its
    reversal). -#}
{% macro drop_stale_closings() -%}
    {%- if is_incremental() -%}
    delete from {{ this }} as c
    using (
        select product_id, min(revalued_from) as from_day from {{ ref('int_movement_valuation') }}
        where revalued_from is not null
            and valued_at = (select max(valued_at) from {{ ref('int_movement_valuation') }})
        group by product_id
    ) as r
    where c.product_id = r.product_id and c.closing_date >= r.from_day
        and c.valued_at < (select max(valued_at) from {{ ref('int_movement_valuation') }})
    {%- else -%}
    select 1
    {%- endif -%}
{%- endmacro %}
