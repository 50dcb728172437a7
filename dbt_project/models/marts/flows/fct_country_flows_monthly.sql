-- Net purchases of Treasuries per country and month, by every method, with the
-- best-available series the bloc marts lead with: reported net purchases where SLT
-- publishes them (from 2023-02), the change in major-foreign-holder holdings before,
-- and the change in SLT long-term holdings for a country the major-holders table does
-- not name (2020-02 to 2023-01). Each row says which method its best-available figure
-- came from.
with flows as (

    select * from {{ ref('int_country_flows_monthly') }}

),

countries as (

    select * from {{ ref('dim_country') }}

),

blocs as (

    select * from {{ ref('dim_bloc_membership') }}

)

select
    md5(concat_ws('|', flows.iso3, flows.period_month)) as country_flow_id,
    flows.iso3,
    flows.holder_name,
    flows.period_month,
    coalesce(
        flows.reported_net_purchases_usd_bn, flows.major_holders_change_usd_bn, flows.slt_holdings_change_usd_bn
    ) as best_available_net_purchases_usd_bn,
    case
        when flows.reported_net_purchases_usd_bn is not null then 'reported_net_purchases'
        when flows.major_holders_change_usd_bn is not null then 'holdings_change'
        when flows.slt_holdings_change_usd_bn is not null then 'slt_holdings_change'
    end as best_available_method,
    flows.reported_net_purchases_usd_bn,
    flows.valuation_change_usd_bn,
    flows.slt_holdings_usd_bn,
    flows.slt_holdings_change_usd_bn,
    flows.reconciliation_residual_usd_bn,
    flows.major_holders_holdings_usd_bn,
    flows.major_holders_change_usd_bn,
    flows.is_series_break,
    {{ holder_classification('countries', 'blocs', 'flows.period_month') }},
    flows.slt_vintage_released_on,
    flows.major_holders_vintage_released_on
from flows
left join countries on flows.iso3 = countries.country_key
left join blocs on flows.iso3 = blocs.iso3 and year(flows.period_month) = blocs.year
