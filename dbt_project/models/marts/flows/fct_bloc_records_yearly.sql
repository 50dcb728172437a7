-- One row per bloc and calendar year: best-available net purchases (fct_bloc_flows_yearly)
-- and their records: the last earlier year with a purchase as large ("the largest annual
-- net purchase since") or a sale as large ("the largest sale since"); none earlier means a
-- record since first_year_on_record, the first year the mart covers (flows_start_year).
with years as (

    select
        bloc,
        year,
        best_available_net_purchases_usd_bn,
        months_covered,
        is_full_year,
        min(year) over (partition by bloc) as first_year_on_record
    from {{ ref('fct_bloc_flows_yearly') }}

),

records as (

    select
        current_year.bloc,
        current_year.year,
        max(earlier.year) filter (
            where earlier.best_available_net_purchases_usd_bn >= current_year.best_available_net_purchases_usd_bn
        ) as purchase_as_large_year,
        max(earlier.year) filter (
            where earlier.best_available_net_purchases_usd_bn <= current_year.best_available_net_purchases_usd_bn
        ) as sale_as_large_year
    from years as current_year
    left join years as earlier
        on
            current_year.bloc = earlier.bloc
            and current_year.year > earlier.year
    group by current_year.bloc, current_year.year

)

select
    md5(concat_ws('|', years.bloc, years.year)) as bloc_record_id,
    years.bloc,
    years.year,
    years.best_available_net_purchases_usd_bn,
    years.months_covered,
    years.is_full_year,
    case when years.best_available_net_purchases_usd_bn > 0 then records.purchase_as_large_year end
        as largest_purchase_since_year,
    coalesce(years.best_available_net_purchases_usd_bn > 0 and records.purchase_as_large_year is null, false)
        as is_largest_purchase_on_record,
    case when years.best_available_net_purchases_usd_bn < 0 then records.sale_as_large_year end
        as largest_sale_since_year,
    coalesce(years.best_available_net_purchases_usd_bn < 0 and records.sale_as_large_year is null, false)
        as is_largest_sale_on_record,
    years.first_year_on_record
from years
inner join records
    on years.bloc = records.bloc and years.year = records.year
