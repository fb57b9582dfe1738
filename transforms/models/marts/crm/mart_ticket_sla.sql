-- SLA compliance per month opened × category × priority. Rates are over the tickets whose outcome is
-- known (fct_service_tickets); NULL when there is none, never a made-up 100 %.
select
    year_month,
    cast(year_month || '-01' as date) as month_start,
    category,
    priority,
    count(*) as tickets,
    count(response_met) as response_known,
    count(*) filter (where response_met) as responded_within_sla,
    count(resolution_met) as resolution_known,
    count(*) filter (where resolution_met) as resolved_within_sla,
    cast(round(count(*) filter (where response_met) / nullif(count(response_met), 0), 4) as decimal(9, 4))
        as response_compliance,
    cast(round(count(*) filter (where resolution_met) / nullif(count(resolution_met), 0), 4) as decimal(9, 4))
        as resolution_compliance,
    count(satisfaction) as satisfaction_count,
    cast(round(avg(satisfaction), 2) as decimal(9, 2)) as mean_satisfaction
from {{ ref('fct_service_tickets') }}
group by year_month, category, priority
