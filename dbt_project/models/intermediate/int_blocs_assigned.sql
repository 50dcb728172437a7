-- Bloc per country and year from the chosen measure, averaged over the window, by
-- percent rank among the countries measured that year in the chosen universe (the US
-- excluded). Higher rank means closer to the US: for the ideal-point distance, smaller
-- is closer. The universe tic_holders ranks the countries TIC reports by name, the
-- holders the marts classify; un_members ranks every voting member.
{{ validate_choice('bloc_measure', ['coincidence', 'agreement', 'ideal_point_distance']) }}
{{ validate_choice('bloc_universe', ['tic_holders', 'un_members']) }}
{%- set measure = var('bloc_measure') %}
{%- set preceding_years = [var('bloc_window_years') | int - 1, 0] | max %}
with universe as (

    {%- if var('bloc_universe') == 'tic_holders' %}
        select distinct holders.iso3
        from {{ ref('int_tic_holders') }} as holders
        where holders.source_table = 'slt_table1' and holders.iso3 is not null
    {%- else %}
        select distinct alignment.iso3
        from {{ ref('int_alignment_country_year') }} as alignment
    {%- endif %}

),

measured as (

    select
        alignment.iso3,
        alignment.year,
        alignment.{{ measure }} as measure_value
    from {{ ref('int_alignment_country_year') }} as alignment
    inner join universe on alignment.iso3 = universe.iso3
    where alignment.{{ measure }} is not null

),

windowed as (

    select
        iso3,
        year,
        avg(measure_value) over (
            partition by iso3 order by year
            range between {{ preceding_years }} preceding and current row
        ) as measure_value
    from measured

),

ranked as (

    select
        iso3,
        year,
        measure_value,
        percent_rank() over (
            partition by year
            order by {% if measure == 'ideal_point_distance' %}-{% endif %}measure_value
        ) as alignment_rank
    from windowed

)

select
    iso3,
    year,
    '{{ measure }}' as measure,
    {{ preceding_years + 1 }} as window_years,
    measure_value,
    alignment_rank,
    case
        when alignment_rank >= {{ var('bloc_upper_cutoff') }} then 'most_aligned'
        when alignment_rank < {{ var('bloc_lower_cutoff') }} then 'least_aligned'
        else 'neutral'
    end as bloc
from ranked
