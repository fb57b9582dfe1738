-- The HR columns of raw.employee (stg_jxc__employees has the shared ones): reporting line, e-mail
-- and the last day of employment.
select
    id as employee_id,
    code as employee_code,
    name as employee_name,
    department,
    position,
    manager_id,
    email,
    hire_date,
    leave_date,
    status
from {{ source('raw', 'employee') }}
