-- One row per bloc (most aligned, neutral, least aligned) and year: net purchases best
-- available and as reported, the custodial centres' part, the running total since the
-- first year (and the bases it used), and the bloc's record (fct_bloc_records_yearly).
with reported as (

    select
        bloc,
        year,
        net_purchases_usd_bn as reported_net_purchases_usd_bn
    from {{ ref('fct_bloc_flows_by_method_yearly') }}
    where method = 'reported_net_purchases'

)

select
    flows.bloc,
    flows.year,
    flows.best_available_net_purchases_usd_bn,
    reported.reported_net_purchases_usd_bn,
    flows.custodial_centres_net_purchases_usd_bn,
    sum(flows.best_available_net_purchases_usd_bn) over (
        partition by flows.bloc order by flows.year rows between unbounded preceding and current row
    ) as cumulative_best_available_net_purchases_usd_bn,
    flows.bases,
    array_to_string(
        list_sort(list_distinct(flatten(list(string_split(flows.bases, ', ')) over (
            partition by flows.bloc order by flows.year rows between unbounded preceding and current row
        )))),
        ', '
    ) as cumulative_bases,
    flows.is_full_year,
    coalesce(flows.year = max(flows.year) filter (where flows.is_full_year) over (), false) as is_latest_full_year,
    records.largest_purchase_since_year,
    records.is_largest_purchase_on_record,
    records.largest_sale_since_year,
    records.is_largest_sale_on_record,
    records.first_year_on_record
from {{ ref('fct_bloc_flows_yearly') }} as flows
left join reported on flows.bloc = reported.bloc and flows.year = reported.year
left join {{ ref('fct_bloc_records_yearly') }} as records on flows.bloc = records.bloc and flows.year = records.year
where flows.bloc in ('most_aligned', 'neutral', 'least_aligned')
