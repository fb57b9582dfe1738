-- Every working day (Monday–Friday, the service's is_working_day) on which an employee was
-- employed (hire date to leave date), from the first attendance date to the last one (or the
-- as_of_date var): the denominator of the attendance rate.
with bounds as (
    select
        min(work_date) as first_day,
        {% if var('as_of_date', none) -%}
        cast('{{ var("as_of_date") }}' as date)
        {%- else -%}
        max(work_date)
        {%- endif %} as last_day
    from {{ ref('stg_jxc__attendance') }}
),

days as (
    select cast(unnest(generate_series(first_day, last_day, interval 1 day)) as date) as work_date
    from bounds
    where first_day is not null
)

select
    e.employee_id,
    e.department,
    d.work_date,
    strftime(d.work_date, '%Y-%m') as year_month
from days as d
join {{ ref('stg_jxc__hr_employees') }} as e
    on d.work_date >= coalesce(e.hire_date, d.work_date)
    and (e.leave_date is null or d.work_date <= e.leave_date)
where isodow(d.work_date) <= 5
