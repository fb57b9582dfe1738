{#- State mart_inventory_daily was last built from (see that model): the valuation batch and the
    last day. Kept beside the intermediate models, not in marts, so it is never published. -#}
{% macro save_inventory_state() -%}
    create or replace table {{ api.Relation.create(database=this.database, schema='intermediate', identifier='inventory_daily_state') }} as
    select
        (select max(valued_at) from {{ ref('int_valuation_closings') }}) as valued_at,
        (select max(date_day) from {{ ref('dim_date') }}) as last_day
{%- endmacro %}
