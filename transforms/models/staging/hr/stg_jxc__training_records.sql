select
    id as training_id,
    employee_id,
    course,
    provider,
    start_date,
    end_date,
    hours,
    result,
    certificate,
    updated_at
from {{ source('jxc_hr', 'training_record') }}
