-- Stocktake results per counted line: book quantity frozen at the count, counted quantity, the
-- difference, and its value as posted (the gain or loss valued by the product's method).
with posted as (
    -- a line posts either a gain or a loss
    select doc_line_id as stocktake_line_id, movement_value
    from {{ ref('int_document_line_costs') }}
    where doc_type = 'stocktake'
)

select
    sl.stocktake_line_id,
    st.stocktake_id,
    st.doc_no,
    st.warehouse_id,
    st.count_date,
    st.status,
    sl.product_id,
    p.category_id,
    sl.book_qty,
    sl.counted_qty,
    {{ qty('sl.counted_qty - sl.book_qty') }} as difference_qty,
    {{ money('coalesce(k.movement_value, 0)') }} as difference_value
from {{ ref('stg_jxc__stocktake_lines') }} as sl
join {{ ref('stg_jxc__stocktakes') }} as st on st.stocktake_id = sl.stocktake_id
join {{ ref('dim_product') }} as p on p.product_id = sl.product_id
left join posted as k on k.stocktake_line_id = sl.stocktake_line_id
where sl.counted_qty is not null and st.status <> 'cancelled'
