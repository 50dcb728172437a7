-- Per month, latest vintage: who holds the foreign-held Treasuries. Shares are of the
-- TIC grand total; the remainder not in a named country is All Other and regional groups.
with holdings as (

    select * from {{ ref('fct_treasury_holdings_monthly') }}

),

totals as (

    select
        period_month,
        max(holdings_all_maturities_usd_bn) filter (where holder_kind = 'grand_total')
            as foreign_holdings_all_maturities_usd_bn,
        max(holdings_all_maturities_usd_bn) filter (where holder_name = 'For. Official')
            as foreign_official_all_maturities_usd_bn
    from {{ ref('fct_treasury_holdings_aggregates_monthly') }}
    group by period_month

),

countries as (

    select
        holdings.*,
        holdings.holdings_all_maturities_usd_bn / totals.foreign_holdings_all_maturities_usd_bn as holder_share,
        row_number() over (
            partition by holdings.period_month
            order by holdings.holdings_all_maturities_usd_bn desc, holdings.holder_name asc
        ) as holder_rank
    from holdings
    inner join totals on holdings.period_month = totals.period_month

),

by_month as (

    select
        period_month,
        sum(holder_share) filter (where bloc = 'most_aligned') as most_aligned_share,
        sum(holder_share) filter (where bloc = 'neutral') as neutral_share,
        sum(holder_share) filter (where bloc = 'least_aligned') as least_aligned_share,
        sum(holder_share) filter (where bloc like 'not_classified%') as not_classified_share,
        sum(holdings_all_maturities_usd_bn) filter (where is_eu_member_then) as eu_holdings_all_maturities_usd_bn,
        sum(holder_share) filter (where is_eu_member_then) as eu_share,
        sum(holder_share) filter (where is_custodial_centre) as custodial_centres_share,
        sum(holder_share) as named_countries_share,
        -- Herfindahl-Hirschman index over named countries, shares in percent (0 to 10,000).
        sum(power(holder_share, 2)) as hhi_share,
        string_agg(
            holder_name || ' ' || round(holdings_all_maturities_usd_bn, 1), '; ' order by holder_rank
        ) filter (where holder_rank <= 5) as top_five_holders,
        max(holder_name) filter (where holder_rank = 1) as largest_holder,
        count(*) as countries_counted,
        count(*) filter (where is_bloc_carried_forward) as carried_forward_countries,
        coalesce(sum(holder_share) filter (where is_bloc_carried_forward), 0) as carried_forward_share,
        max(bloc_measured_year) as latest_measured_year
    from countries
    group by period_month

)

select
    by_month.period_month,
    totals.foreign_holdings_all_maturities_usd_bn,
    totals.foreign_official_all_maturities_usd_bn,
    by_month.most_aligned_share,
    by_month.neutral_share,
    by_month.least_aligned_share,
    by_month.not_classified_share,
    1 - by_month.named_countries_share as other_and_groups_share,
    by_month.eu_holdings_all_maturities_usd_bn,
    by_month.eu_share,
    by_month.custodial_centres_share,
    by_month.hhi_share,
    by_month.largest_holder,
    by_month.top_five_holders,
    by_month.countries_counted,
    by_month.carried_forward_countries,
    by_month.carried_forward_share,
    by_month.latest_measured_year
from by_month
inner join totals on by_month.period_month = totals.period_month
