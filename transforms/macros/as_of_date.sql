{#-
  The one rule for "which day is today" in the warehouse: the last posted business date, i.e. the
  latest date in int_posting_dates (stock-ledger rows, posted invoices and bills, cash entries).
  Drafts, cancelled documents and orders never move it. dim_date, the inventory spine, the CRM
  recency / churn reference date, the AR / AP latest report date and the cash forecast all use it.
-#}
{% macro last_posted_date() -%}
    (select max(posting_date) from {{ ref('int_posting_dates') }})
{%- endmacro %}

{#- The last day of the date spine: var('as_of_date') if given, else the last posted date. -#}
{% macro as_of_date() -%}
    {%- if var('as_of_date', none) -%}
        cast('{{ var("as_of_date") }}' as date)
    {%- else -%}
        {{ last_posted_date() }}
    {%- endif -%}
{%- endmacro %}
