-- Net purchases of Treasuries by bloc, per month and per calendar year, by method, from
-- flows_start_year: best_available (the series to lead with), reported_net_purchases,
-- holdings_change and slt_holdings_change (fct_country_flows_monthly). Countries without
-- a bloc are their own rows, never dropped.
with country_flows as (

    select * from {{ ref('fct_country_flows_monthly') }}
    where year(period_month) >= {{ var('flows_start_year') | int }}

),

by_method as (

    select
        iso3,
        bloc,
        period_month,
        is_series_break,
        'best_available' as method,
        best_available_method as basis,
        best_available_net_purchases_usd_bn as net_purchases_usd_bn
    from country_flows
    union all
    select
        iso3,
        bloc,
        period_month,
        false as is_series_break,
        'reported_net_purchases' as method,
        'reported_net_purchases' as basis,
        reported_net_purchases_usd_bn as net_purchases_usd_bn
    from country_flows
    union all
    select
        iso3,
        bloc,
        period_month,
        is_series_break,
        'holdings_change' as method,
        'holdings_change' as basis,
        major_holders_change_usd_bn as net_purchases_usd_bn
    from country_flows
    union all
    select
        iso3,
        bloc,
        period_month,
        false as is_series_break,
        'slt_holdings_change' as method,
        'slt_holdings_change' as basis,
        slt_holdings_change_usd_bn as net_purchases_usd_bn
    from country_flows

),

flows as (

    select * from by_method
    where net_purchases_usd_bn is not null

),

by_period as (

    select
        bloc,
        method,
        'month' as period_type,
        period_month as period_start,
        net_purchases_usd_bn,
        iso3,
        basis,
        is_series_break,
        period_month
    from flows
    union all
    select
        bloc,
        method,
        'year' as period_type,
        cast(date_trunc('year', period_month) as date) as period_start,
        net_purchases_usd_bn,
        iso3,
        basis,
        is_series_break,
        period_month
    from flows

)

select
    md5(concat_ws('|', bloc, method, period_type, period_start)) as bloc_flow_id,
    bloc,
    method,
    period_type,
    period_start,
    sum(net_purchases_usd_bn) as net_purchases_usd_bn,
    count(distinct iso3) as countries_counted,
    count(distinct period_month) as months_covered,
    bool_or(is_series_break) as includes_series_break,
    string_agg(distinct basis, ', ' order by basis) as bases
from by_period
group by bloc, method, period_type, period_start
