{#- The VAT split of a line (operational/services/tax.py, DESIGN.md "What the numbers mean") for a
    part of an order line the marts price themselves (a shipment, a return, an open quantity).
    Stored documents carry their own split; these are only for quantities with no document line.
    ``amount`` is quantity × unit price × (1 − discount) before rounding; ``rate`` the line's VAT
    rate; ``includes`` whether its price was entered with tax. Rounded half-up to the cent (DuckDB
    round() on a positive DECIMAL). The division gives a DOUBLE, but gross ÷ (1 + rate) never
    lands on an exact half cent for the Chinese rates (13, 9, 6, 3 %), so it rounds as the Decimal
    rule does. -#}
{% macro vat_net(amount, rate, includes) -%}
    {%- set line = money(amount) -%}
    case when {{ includes }} then {{ money('(' ~ line ~ ') / (1 + ' ~ rate ~ ')') }} else {{ line }} end
{%- endmacro %}

{% macro vat_gross(amount, rate, includes) -%}
    {%- set line = money(amount) -%}
    case when {{ includes }} then {{ line }} else {{ line }} + {{ money('(' ~ line ~ ') * ' ~ rate) }} end
{%- endmacro %}
