select
    id as follow_up_id,
    customer_id,
    contact_id,
    employee_id,
    channel,
    happened_on,
    summary,
    next_action,
    next_action_date,
    done,
    done_on,
    updated_at
from {{ source('jxc_crm', 'crm_follow_up') }}
