-- Country x year x bloc, through bloc_last_year (default: the current year): years after
-- the last vote data carry the latest classification forward and say so.
{%- set last_year = var('bloc_last_year') %}
with assigned as (

    select * from {{ ref('int_blocs_assigned') }}

),

last_measured as (

    select max(year) as last_year from assigned

),

years as (

    select unnest(range(1946, {{ last_year | int if last_year else 'year(current_date)' }} + 1)) as year

),

latest_per_country as (

    select * from assigned
    qualify row_number() over (partition by iso3 order by year desc) = 1

),

carried as (

    select
        latest.iso3,
        years.year,
        latest.measure,
        latest.window_years,
        latest.measure_value,
        latest.alignment_rank,
        latest.bloc,
        latest.year as measured_year
    from latest_per_country as latest
    cross join last_measured
    inner join years on last_measured.last_year < years.year
    where latest.year = last_measured.last_year

),

measured as (

    select
        iso3,
        year,
        measure,
        window_years,
        measure_value,
        alignment_rank,
        bloc,
        year as measured_year
    from assigned

)

select
    md5(concat_ws('|', iso3, year)) as bloc_membership_id,
    iso3,
    year,
    bloc,
    measure,
    window_years,
    measure_value,
    alignment_rank,
    measured_year,
    measured_year < year as is_carried_forward
from (
    select * from measured
    union all
    select * from carried
) as memberships
