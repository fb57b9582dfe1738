select
    c.customer_id,
    c.customer_code,
    c.customer_name,
    c.region,
    c.credit_limit,
    c.payment_terms_days,
    c.salesperson_id,
    e.employee_name as salesperson_name
from {{ ref('stg_jxc__customers') }} as c
left join {{ ref('stg_jxc__employees') }} as e on e.employee_id = c.salesperson_id
