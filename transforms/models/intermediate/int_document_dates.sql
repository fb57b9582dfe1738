-- Every date on which a document or a stock movement is dated: bounds dim_date.
select order_date as event_date from {{ ref('stg_jxc__purchase_orders') }}
union
select receipt_date from {{ ref('stg_jxc__goods_receipts') }}
union
select order_date from {{ ref('stg_jxc__sales_orders') }}
union
select ship_date from {{ ref('stg_jxc__shipments') }}
union
select movement_date from {{ ref('stg_jxc__stock_ledger') }}
