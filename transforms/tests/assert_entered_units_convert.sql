-- Units of measure (多单位): a line entered in another unit keeps the typed quantity and the factor
-- beside its base-unit quantity; the two must agree exactly (quantity = qty_in_unit × unit_factor),
-- and a unit is never given without both. Returns the lines that break it.
{% set line_models = [
    ('stg_jxc__purchase_order_lines', 'purchase_order_line_id'),
    ('stg_jxc__sales_order_lines', 'sales_order_line_id'),
    ('stg_jxc__goods_receipt_lines', 'goods_receipt_line_id'),
    ('stg_jxc__shipment_lines', 'shipment_line_id'),
    ('stg_jxc__purchase_return_lines', 'purchase_return_line_id'),
    ('stg_jxc__sales_return_lines', 'sales_return_line_id'),
    ('stg_jxc__stock_transfer_lines', 'stock_transfer_line_id'),
] %}
{% for model, key in line_models %}
select '{{ model }}' as model, {{ key }} as line_id, quantity, entered_unit, qty_in_unit, unit_factor
from {{ ref(model) }}
where entered_unit is not null
  and (qty_in_unit is null or unit_factor is null or unit_factor <= 0 or quantity <> qty_in_unit * unit_factor)
{% if not loop.last %}union all{% endif %}
{% endfor %}
