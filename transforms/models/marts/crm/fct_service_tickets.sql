-- Service tickets with their SLA due times and outcomes as of the end of the last day of the data.
-- An outcome is known once the ticket was answered / resolved, or once its due time has passed
-- unanswered / unresolved (then it is a breach); before that it is NULL.
with as_of as (
    select cast({{ as_of_date() }} + interval 1 day as timestamp) as as_of_end
),

due as (
    select
        t.*,
        t.opened_at + to_hours(t.response_sla_hours) as response_due_at,
        t.opened_at + to_hours(t.resolution_sla_hours) as resolution_due_at
    from {{ ref('stg_jxc__service_tickets') }} as t
)

select
    d.ticket_id,
    d.doc_no,
    d.customer_id,
    d.assignee_id,
    d.category,
    d.priority,
    d.status,
    d.subject,
    d.opened_at,
    cast(d.opened_at as date) as opened_on,
    strftime(d.opened_at, '%Y-%m') as year_month,
    d.response_sla_hours,
    d.resolution_sla_hours,
    d.response_due_at,
    d.resolution_due_at,
    d.first_response_at,
    d.resolved_at,
    d.closed_at,
    cast(round(datediff('minute', d.opened_at, d.first_response_at) / 60.0, 2) as decimal(9, 2)) as response_hours,
    cast(round(datediff('minute', d.opened_at, d.resolved_at) / 60.0, 2) as decimal(9, 2)) as resolution_hours,
    case
        when d.first_response_at is not null then d.first_response_at <= d.response_due_at
        when a.as_of_end > d.response_due_at then false
    end as response_met,
    case
        when d.resolved_at is not null then d.resolved_at <= d.resolution_due_at
        when a.as_of_end > d.resolution_due_at then false
    end as resolution_met,
    d.satisfaction
from due as d
cross join as_of as a
