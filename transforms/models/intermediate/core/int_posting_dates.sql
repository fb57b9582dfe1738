-- The posting calendar: every date on which something was posted and still stands, the one source
-- of dim_date's bounds and of the as-of date (macros as_of_date / last_posted_date). Orders (draft,
-- confirmed or cancelled) post nothing and never move the calendar: a cancelled draft dated 2036 must
-- not become "today" for the overview, the churn risk or the aging.
-- A cancelled (作废) stock document's rows and their reversals stand for nothing: left out.
select l.movement_date as posting_date from {{ ref('stg_jxc__stock_ledger') }} as l
where l.reverses_ledger_id is null
    and l.stock_ledger_id not in (
        select reverses_ledger_id from {{ ref('stg_jxc__stock_ledger') }} where reverses_ledger_id is not null
    )
union
select invoice_date from {{ ref('stg_jxc__sales_invoices') }} where invoice_status = 'posted'
union
select bill_date from {{ ref('stg_jxc__supplier_bills') }} where bill_status = 'posted'
union
select entry_date from {{ ref('stg_jxc__cash_ledger') }}
