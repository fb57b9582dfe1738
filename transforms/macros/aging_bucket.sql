{#-
  Aging buckets shared by mart_ar_aging and mart_ap_aging (same rule as
  operational/services/open_items.py ``bucket``): age = report date − due date in days;
  age <= 0 is "not_due" (order 0), then one bucket per upper bound of the var ``aging_buckets``
  (default [30, 60, 90, 120]: "1-30" … "91-120", orders 1–4), then "<last>+" (order 5).
  Change the buckets per run with  --vars '{aging_buckets: [15, 45, 90]}'.
-#}
{% macro aging_bounds() -%}
    {%- set bounds = var('aging_buckets', [30, 60, 90, 120]) -%}
    {%- for b in bounds -%}
        {%- if b | int <= 0 or (not loop.first and b | int <= bounds[loop.index0 - 1] | int) -%}
            {{ exceptions.raise_compiler_error("aging_buckets must be positive and increasing: " ~ bounds) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(bounds | map('int') | list) }}
{%- endmacro %}

{% macro aging_age_days(report_date, due_date) -%}
    {{ dbt.datediff(due_date, report_date, 'day') }}
{%- endmacro %}

{% macro aging_bucket_order(report_date, due_date) -%}
    {%- set bounds = aging_bounds() -%}
    case
        when {{ aging_age_days(report_date, due_date) }} <= 0 then 0
        {%- for b in bounds %}
        when {{ aging_age_days(report_date, due_date) }} <= {{ b }} then {{ loop.index }}
        {%- endfor %}
        else {{ bounds | length + 1 }}
    end
{%- endmacro %}

{% macro aging_bucket(report_date, due_date) -%}
    {%- set bounds = aging_bounds() -%}
    case
        when {{ aging_age_days(report_date, due_date) }} <= 0 then 'not_due'
        {%- set ns = namespace(low=1) %}
        {%- for b in bounds %}
        when {{ aging_age_days(report_date, due_date) }} <= {{ b }} then '{{ ns.low }}-{{ b }}'
        {%- set ns.low = b + 1 %}
        {%- endfor %}
        else '{{ bounds[-1] }}+'
    end
{%- endmacro %}

{#- One row per bucket (order, label, first and last day of age; NULL = open-ended) for the configured bounds. -#}
{% macro aging_bucket_rows() -%}
    {%- set bounds = aging_bounds() -%}
    select 0 as bucket_order, 'not_due' as bucket_label, cast(null as integer) as min_days, 0 as max_days
    {%- set ns = namespace(low=1) %}
    {%- for b in bounds %}
    union all select {{ loop.index }}, '{{ ns.low }}-{{ b }}', {{ ns.low }}, {{ b }}
    {%- set ns.low = b + 1 %}
    {%- endfor %}
    union all select {{ bounds | length + 1 }}, '{{ bounds[-1] }}+', {{ bounds[-1] + 1 }}, cast(null as integer)
{%- endmacro %}

{#- The aging's own bucket for money not yet applied (未核销), negative amounts; not an age bucket
    (operational.services.open_items.UNAPPLIED_ORDER / UNAPPLIED). -#}
{% macro unapplied_bucket_order() -%} -1 {%- endmacro %}
{% macro unapplied_bucket_label() -%} unapplied {%- endmacro %}
