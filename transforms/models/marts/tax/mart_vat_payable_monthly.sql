-- 应纳税额 by month. A general taxpayer owes output VAT less input VAT; an excess of input VAT is
-- carried forward (留抵) and used up by later months. With N = the running total of (output −
-- input) and M = the running maximum of max(N, 0), the VAT owed in a month is M − M of the month
-- before and the credit carried forward is M − N. A small-scale taxpayer (小规模纳税人) deducts
-- nothing: it owes its output VAT (input VAT is part of its inventory cost).
with months as (
    select
        vat_month,
        sum(case when vat_side = 'output' then tax_amount else 0 end) as output_tax,
        sum(case when vat_side = 'input' then tax_amount else 0 end) as input_tax
    from {{ ref('fct_vat_lines') }}
    group by vat_month
),

company as (
    select coalesce(bool_or(small_scale_taxpayer), false) as small_scale
    from {{ ref('stg_jxc__company') }}
),

running as (
    select
        m.*,
        c.small_scale,
        sum(case when c.small_scale then m.output_tax else m.output_tax - m.input_tax end)
            over (order by m.vat_month rows unbounded preceding) as net_running
    from months as m
    cross join company as c
),

peaks as (
    select
        *,
        max(greatest(net_running, 0)) over (order by vat_month rows unbounded preceding) as peak
    from running
)

select
    vat_month,
    small_scale,
    output_tax,
    case when small_scale then 0 else input_tax end as deductible_input_tax,
    cast(peak - coalesce(lag(peak) over (order by vat_month), 0) as decimal(18, 2)) as vat_payable,
    cast(peak - net_running as decimal(18, 2)) as credit_carried_forward
from peaks
