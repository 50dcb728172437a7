-- Records per holder and month, on the major-foreign-holders table (newest release,
-- primary series): the last earlier month with holdings at or below this month's
-- ("lowest since"), at or above ("highest since"), the last month with a change as
-- large ("largest monthly purchase or sale since"), and the change over a year. Holders
-- are the countries, the Grand Total and the foreign official line. Levels are compared
-- across series breaks as published (a flag says when the comparison spans one);
-- monthly changes are taken within a series only.
with holdings as (

    select
        holder_name,
        iso3,
        'country' as holder_kind,
        period_month,
        holdings_all_maturities_usd_bn,
        series
    from {{ ref('fct_treasury_holdings_monthly') }}
    union all
    select
        holder_name,
        cast(null as varchar) as iso3,
        holder_kind,
        period_month,
        holdings_all_maturities_usd_bn,
        series
    from {{ ref('fct_treasury_holdings_aggregates_monthly') }}
    where holder_kind = 'grand_total' or holder_name = 'For. Official'

),

changes as (

    select
        current_month.*,
        case
            when current_month.series = previous_month.series
                then current_month.holdings_all_maturities_usd_bn - previous_month.holdings_all_maturities_usd_bn
        end as monthly_change_usd_bn,
        current_month.holdings_all_maturities_usd_bn
        - year_before.holdings_all_maturities_usd_bn as year_on_year_change_usd_bn,
        (current_month.holdings_all_maturities_usd_bn - year_before.holdings_all_maturities_usd_bn)
        / nullif(year_before.holdings_all_maturities_usd_bn, 0) as year_on_year_change_share,
        min(current_month.period_month) over (partition by current_month.holder_name) as first_month_on_record
    from holdings as current_month
    left join holdings as previous_month
        on
            current_month.holder_name = previous_month.holder_name
            and current_month.period_month = previous_month.period_month + interval 1 month
    left join holdings as year_before
        on
            current_month.holder_name = year_before.holder_name
            and current_month.period_month = year_before.period_month + interval 12 month

),

records as (

    select
        current_month.holder_name,
        current_month.period_month,
        max(earlier.period_month) filter (
            where earlier.holdings_all_maturities_usd_bn <= current_month.holdings_all_maturities_usd_bn
        ) as lowest_since_month,
        arg_max(earlier.series, earlier.period_month) filter (
            where earlier.holdings_all_maturities_usd_bn <= current_month.holdings_all_maturities_usd_bn
        ) as lowest_since_series,
        max(earlier.period_month) filter (
            where earlier.holdings_all_maturities_usd_bn >= current_month.holdings_all_maturities_usd_bn
        ) as highest_since_month,
        arg_max(earlier.series, earlier.period_month) filter (
            where earlier.holdings_all_maturities_usd_bn >= current_month.holdings_all_maturities_usd_bn
        ) as highest_since_series,
        max(earlier.period_month) filter (
            where earlier.monthly_change_usd_bn >= current_month.monthly_change_usd_bn
        ) as largest_increase_since_month,
        max(earlier.period_month) filter (
            where earlier.monthly_change_usd_bn <= current_month.monthly_change_usd_bn
        ) as largest_decrease_since_month,
        count(earlier.period_month) as months_before
    from changes as current_month
    left join changes as earlier
        on
            current_month.holder_name = earlier.holder_name
            and current_month.period_month > earlier.period_month
    group by current_month.holder_name, current_month.period_month

)

select
    md5(concat_ws('|', changes.holder_name, changes.period_month)) as holder_record_id,
    changes.holder_name,
    changes.iso3,
    changes.holder_kind,
    changes.period_month,
    changes.holdings_all_maturities_usd_bn,
    changes.series,
    changes.monthly_change_usd_bn,
    changes.year_on_year_change_usd_bn,
    changes.year_on_year_change_share,
    records.lowest_since_month,
    records.months_before > 0 and records.lowest_since_month is null as is_record_low,
    coalesce(records.lowest_since_series <> changes.series, false) as lowest_since_spans_series_break,
    records.highest_since_month,
    records.months_before > 0 and records.highest_since_month is null as is_record_high,
    coalesce(records.highest_since_series <> changes.series, false) as highest_since_spans_series_break,
    case when changes.monthly_change_usd_bn > 0 then records.largest_increase_since_month end
        as largest_increase_since_month,
    coalesce(changes.monthly_change_usd_bn > 0 and records.largest_increase_since_month is null, false)
        as is_record_increase,
    case when changes.monthly_change_usd_bn < 0 then records.largest_decrease_since_month end
        as largest_decrease_since_month,
    coalesce(changes.monthly_change_usd_bn < 0 and records.largest_decrease_since_month is null, false)
        as is_record_decrease,
    changes.first_month_on_record
from changes
inner join records
    on changes.holder_name = records.holder_name and changes.period_month = records.period_month
