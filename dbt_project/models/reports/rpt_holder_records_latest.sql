-- One row per country in the latest month of the major-holders table: its holdings (all
-- maturities), since when they are the lowest or the highest, and whether either reaches
-- back at least two years (the report names the five largest such holders).
with latest as (

    select max(period_month) as period_month
    from {{ ref('fct_holder_records_monthly') }}
    where holder_kind = 'country'

)

select
    records.holder_name,
    records.iso3,
    records.period_month,
    records.holdings_all_maturities_usd_bn,
    records.lowest_since_month,
    records.highest_since_month,
    records.first_month_on_record,
    coalesce(records.lowest_since_month <= latest.period_month - interval 2 year, true) as is_lowest_for_two_years,
    coalesce(records.highest_since_month <= latest.period_month - interval 2 year, true)
        as is_highest_for_two_years,
    records.first_month_on_record <= latest.period_month - interval 2 year as has_two_years_on_record,
    row_number() over (order by records.holdings_all_maturities_usd_bn desc, records.holder_name asc) as holdings_rank
from {{ ref('fct_holder_records_monthly') }} as records
inner join latest on records.period_month = latest.period_month
where records.holder_kind = 'country'
