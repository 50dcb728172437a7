-- Per year: official gold (IMF IFS, end of the last quarter reported in the year; the world
-- total and the sum of reported changes from the World Gold Council) next to foreign
-- official holdings of Treasuries (TIC, December or the latest month of the year).
with imf as (

    select
        year(period_end) as year,
        arg_max(gold_tonnes, period_end) as world_gold_tonnes,
        arg_max(gold_fine_troy_oz, period_end) as world_gold_fine_troy_oz,
        max(period_end) as gold_as_of
    from {{ ref('stg_imf__gold_reserves') }}
    where imf_country_name = 'World'
    group by year(period_end)

),

wgc as (

    select
        year(period_start) as year,
        sum(change_tonnes) as reported_change_tonnes
    from {{ ref('stg_wgc__gold_changes') }}
    where frequency = 'annual' and wgc_country_name not in ('Euro Area')
    group by year(period_start)

),

official as (

    select
        year(period_month) as year,
        arg_max(holdings_usd_bn, period_month) as foreign_official_treasuries_usd_bn,
        max(period_month) as treasuries_as_of
    from {{ ref('fct_treasury_holdings_monthly') }}
    where holder_name = 'For. Official' and is_latest_vintage
    group by year(period_month)

)

select
    coalesce(official.year, imf.year, wgc.year) as year,
    imf.world_gold_tonnes,
    imf.world_gold_fine_troy_oz,
    imf.gold_as_of,
    wgc.reported_change_tonnes as central_bank_gold_change_tonnes,
    official.foreign_official_treasuries_usd_bn,
    official.treasuries_as_of
from official
full outer join imf on official.year = imf.year
full outer join wgc on coalesce(official.year, imf.year) = wgc.year
