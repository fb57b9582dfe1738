{#- Helpers for the incremental models (delete+insert by key).

    changed_since(column): rows whose change timestamp is at or after the newest one already loaded,
    less the same 5-minute overlap the extract uses, so a row committed late with an older
    timestamp (caught by the extract's overlap) is caught here too.

    delete_missing(key, relation): post-hook removing rows whose key has disappeared upstream
    (a draft order line deleted in the store and pruned from raw). -#}
{% macro changed_since(column) -%}
    {{ column }} >= (select max(updated_at) from {{ this }}) - interval {{ var('change_overlap_minutes', 5) }} minute
{%- endmacro %}

{% macro delete_missing(key, relation) -%}
    delete from {{ this }} where {{ key }} not in (select {{ key }} from {{ relation }})
{%- endmacro %}
