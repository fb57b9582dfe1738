select
    id as employee_id,
    code as employee_code,
    name as employee_name,
    department,
    position,
    hire_date,
    status,
    updated_at
from {{ source('raw', 'employee') }}
