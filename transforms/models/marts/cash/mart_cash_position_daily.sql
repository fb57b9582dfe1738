-- Cash position per account and day, for every day from the account's first ledger entry to the
-- last day of the data (the later of the calendar's last day and the latest ledger entry), so the
-- closing of the last day is the account's balance (a blocking check compares it with the store).
with ledger as (
    select * from {{ ref('stg_jxc__cash_ledger') }}
),

bounds as (
    select account_id, min(entry_date) as first_day
    from ledger
    group by account_id
),

last_day as (
    select greatest(coalesce({{ as_of_date() }}, max(entry_date)), max(entry_date)) as last_day
    from ledger
),

spine as (
    select b.account_id, cast(unnest(generate_series(b.first_day, l.last_day, interval 1 day)) as date) as date_day
    from bounds as b
    cross join last_day as l
),

daily as (
    select
        account_id,
        entry_date as date_day,
        sum(amount_in) as amount_in,
        sum(amount_out) as amount_out,
        sum(amount) as net_amount,
        count(*) as entries
    from ledger
    group by account_id, entry_date
),

running as (
    select
        s.account_id,
        s.date_day,
        coalesce(d.amount_in, 0) as amount_in,
        coalesce(d.amount_out, 0) as amount_out,
        coalesce(d.net_amount, 0) as net_amount,
        coalesce(d.entries, 0) as entries,
        sum(coalesce(d.net_amount, 0)) over (
            partition by s.account_id order by s.date_day rows between unbounded preceding and current row
        ) as closing
    from spine as s
    left join daily as d on d.account_id = s.account_id and d.date_day = s.date_day
)

select
    r.account_id,
    a.account_code,
    a.account_name,
    a.account_kind,
    r.date_day,
    {{ money('r.closing - r.net_amount') }} as opening_balance,
    {{ money('r.amount_in') }} as amount_in,
    {{ money('r.amount_out') }} as amount_out,
    {{ money('r.closing') }} as closing_balance,
    cast(r.entries as integer) as entries
from running as r
join {{ ref('stg_jxc__cash_accounts') }} as a on a.account_id = r.account_id
