{#- Decimal helpers: sums and products widen DECIMAL(18,s) to DECIMAL(38,s); the marts contract is DECIMAL(18,s). -#}
{% macro qty(expr) -%} cast({{ expr }} as decimal(18, 4)) {%- endmacro %}
{% macro money(expr) -%} cast(round({{ expr }}, 2) as decimal(18, 2)) {%- endmacro %}
{% macro unit_cost(expr) -%} cast(round({{ expr }}, 4) as decimal(18, 4)) {%- endmacro %}
