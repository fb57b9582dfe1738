select
    id as leave_ledger_id,
    employee_id,
    leave_type_id,
    year as leave_year,
    entry_date,
    kind,
    days,
    leave_request_id,
    note
from {{ source('jxc_hr', 'leave_ledger') }}
