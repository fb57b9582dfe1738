{#- The last day of the date spine: var('as_of_date') if given, else the latest document or movement date. -#}
{% macro as_of_date() -%}
    {%- if var('as_of_date', none) -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        (select max(event_date) from {{ ref('int_document_dates') }})
    {%- endif -%}
{%- endmacro %}
