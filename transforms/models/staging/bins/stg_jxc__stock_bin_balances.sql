select
    id as stock_bin_balance_id,
    product_id,
    warehouse_id,
    bin_id,
    batch_id,
    quantity as on_hand_quantity,
    updated_at
from {{ source('jxc_bins', 'stock_bin_balance') }}
