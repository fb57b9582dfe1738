{#- State of the inputs mart_inventory_daily was last built from (see that model). Kept beside the
    intermediate models, not in marts, so it is never published. -#}
{% macro inventory_state_relation() -%}
    {{ return(api.Relation.create(database=this.database, schema='intermediate', identifier='inventory_daily_state')) }}
{%- endmacro %}

{% macro save_inventory_state() -%}
    create or replace table {{ inventory_state_relation() }} as
    select
        (select coalesce(max(stock_ledger_id), 0) from {{ ref('stg_jxc__stock_ledger') }}) as stock_ledger_id,
        (select count(*) from {{ ref('stg_jxc__stock_ledger') }}) as ledger_rows,
        (select max(updated_at) from {{ ref('stg_jxc__products') }}) as products_updated_at,
        (select max(date_day) from {{ ref('dim_date') }}) as last_day
{%- endmacro %}
