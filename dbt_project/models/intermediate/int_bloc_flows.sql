-- Net purchases of Treasuries by bloc, per month and per calendar year, by method, from
-- flows_start_year: best_available (the series to lead with), reported_net_purchases,
-- holdings_change and slt_holdings_change (fct_country_flows_monthly). Countries without
-- a bloc are their own rows, never dropped. The marts take one grain each from it:
-- fct_bloc_flows_monthly and fct_bloc_flows_yearly (best available) and
-- fct_bloc_flows_by_method_yearly (every method).
with country_flows as (

    select * from {{ ref('fct_country_flows_monthly') }}
    where year(period_month) >= {{ var('flows_start_year') | int }}

),

by_method as (

    {#- method, the column it sums, the basis of each country figure, and whether a TIC
        series break can fall in it. -#}
    {%- set methods = [
        ('best_available', 'best_available_net_purchases_usd_bn', 'best_available_method', 'is_series_break'),
        ('reported_net_purchases', 'reported_net_purchases_usd_bn', "'reported_net_purchases'", 'false'),
        ('holdings_change', 'major_holders_change_usd_bn', "'holdings_change'", 'is_series_break'),
        ('slt_holdings_change', 'slt_holdings_change_usd_bn', "'slt_holdings_change'", 'false'),
    ] %}
    {%- for method, amount, basis, series_break in methods %}
        select
            iso3,
            bloc,
            coalesce(is_custodial_centre, false) as is_custodial_centre,
            period_month,
            {{ series_break }} as is_series_break,
            '{{ method }}' as method,
            {{ basis }} as basis,
            {{ amount }} as net_purchases_usd_bn
        from country_flows
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}

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
        is_custodial_centre,
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
        is_custodial_centre,
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
    coalesce(sum(net_purchases_usd_bn) filter (where is_custodial_centre), 0) as custodial_centres_net_purchases_usd_bn,
    count(distinct iso3) filter (where is_custodial_centre) as custodial_centres_counted,
    count(distinct period_month) as months_covered,
    bool_or(is_series_break) as includes_series_break,
    string_agg(distinct basis, ', ' order by basis) as bases
from by_period
group by bloc, method, period_type, period_start
