select
    id as review_id,
    employee_id,
    period,
    period_start,
    period_end,
    score,
    rating,
    reviewer_id as reviewer_user_id,
    comments,
    updated_at
from {{ source('jxc_hr', 'performance_review') }}
