-- Incremental: the ledger is append-only, so only rows above the highest id loaded are new. The
-- overlap re-reads the last ids (PostgreSQL can commit ids out of order); delete+insert keeps it exact.
{{
    config(
        materialized='incremental',
        unique_key='stock_ledger_id',
        incremental_strategy='delete+insert',
        on_schema_change='sync_all_columns'
    )
}}

select
    stock_ledger_id,
    movement_date,
    product_id,
    warehouse_id,
    movement_type,
    quantity,
    unit_cost,
    doc_type,
    doc_id,
    doc_line_id,
    doc_no,
    reverses_ledger_id
from {{ ref('stg_jxc__stock_ledger') }}
{% if is_incremental() %}
where stock_ledger_id > (select coalesce(max(stock_ledger_id), 0) from {{ this }}) - {{ var('ledger_id_overlap', 1000) }}
{% endif %}
