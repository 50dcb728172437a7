-- Net purchases of Treasuries by bloc, per month and per calendar year, by method, from
-- flows_start_year. Countries without a bloc are their own rows, never dropped.
with flows as (

    select
        flows.*,
        coalesce(
            blocs.bloc,
            case when countries.has_un_votes then 'not_classified_not_ranked' else 'not_classified_no_un_votes' end
        ) as bloc
    from {{ ref('int_country_flows_monthly') }} as flows
    left join {{ ref('dim_bloc_membership') }} as blocs
        on flows.iso3 = blocs.iso3 and year(flows.period_month) = blocs.year
    left join {{ ref('dim_country') }} as countries on flows.iso3 = countries.country_key
    where year(flows.period_month) >= {{ var('flows_start_year') | int }}

),

monthly as (

    select
        bloc,
        method,
        'month' as period_type,
        period_month as period_start,
        sum(net_purchases_usd_bn) as net_purchases_usd_bn,
        count(distinct iso3) as countries_counted,
        1 as months_covered,
        bool_or(is_series_break) as includes_series_break
    from flows
    group by bloc, method, period_month

),

yearly as (

    select
        bloc,
        method,
        'year' as period_type,
        cast(date_trunc('year', period_month) as date) as period_start,
        sum(net_purchases_usd_bn) as net_purchases_usd_bn,
        count(distinct iso3) as countries_counted,
        count(distinct period_month) as months_covered,
        bool_or(is_series_break) as includes_series_break
    from flows
    group by bloc, method, date_trunc('year', period_month)

)

select
    md5(concat_ws('|', bloc, method, period_type, period_start)) as bloc_flow_id,
    *
from (
    select * from monthly
    union all
    select * from yearly
) as flows_by_period
