{#- numerator ÷ denominator × 100, rounded half away from zero to 2 places, exactly: both money
    amounts are taken in cents and divided as integers (DuckDB's DECIMAL ÷ DECIMAL is a DOUBLE).
    Same rounding as Python's Decimal ROUND_HALF_UP. NULL when the denominator is not positive. -#}
{% macro exact_pct(numerator, denominator) -%}
    case when ({{ denominator }}) > 0 then
        cast(
            sign(cast(round(({{ numerator }}) * 100) as hugeint))
            * ((abs(cast(round(({{ numerator }}) * 100) as hugeint)) * 20000 + cast(round(({{ denominator }}) * 100) as hugeint))
               // (2 * cast(round(({{ denominator }}) * 100) as hugeint)))
            as decimal(18, 0)
        ) * 0.01
    end
{%- endmacro %}
