-- How the ratings of a review period fall per department: employees per rating and their share
-- of the department's reviewed employees.
with reviews as (
    select r.period, r.period_start, r.period_end, e.department, r.rating, r.score
    from {{ ref('stg_jxc__performance_reviews') }} as r
    join {{ ref('stg_jxc__hr_employees') }} as e on e.employee_id = r.employee_id
)

select
    period,
    min(period_start) as period_start,
    min(period_end) as period_end,
    department,
    rating,
    count(*) as employees,
    cast(round(count(*) / sum(count(*)) over (partition by period, department), 4) as decimal(18, 4)) as share,
    {{ money('avg(score)') }} as average_score
from reviews
group by period, department, rating
