select
    id as stage_change_id,
    opportunity_id,
    from_stage,
    to_stage,
    changed_on,
    changed_by as changed_by_employee_id,
    created_at as recorded_at
from {{ source('jxc_crm', 'crm_opportunity_stage') }}
