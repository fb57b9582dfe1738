-- The calendar: from the first to the last posted date (int_posting_dates; var as_of_date may set the end).
with bounds as (
    select min(posting_date) as first_day, {{ as_of_date() }} as last_day
    from {{ ref('int_posting_dates') }}
),

days as (
    select cast(unnest(generate_series(first_day, last_day, interval 1 day)) as date) as date_day
    from bounds
    where first_day is not null
)

select
    date_day,
    cast(year(date_day) as integer) as year,
    cast(month(date_day) as integer) as month,
    strftime(date_day, '%Y-%m') as year_month,
    cast(isodow(date_day) as integer) as day_of_week,
    cast(weekofyear(date_day) as integer) as iso_week,
    isodow(date_day) >= 6 as is_weekend
from days
