-- Under each named bloc method (not custom), Australia is most aligned with the US,
-- Mexico neutral and China least aligned in every year since 2010, as the published
-- analyses class them (a check on the measure, universe, window and cut-offs, not on one
-- country's votes). Returns the years where not.
with expected as (

    select
        'AUS' as iso3,
        'most_aligned' as bloc
    union all
    select
        'MEX' as iso3,
        'neutral' as bloc
    union all
    select
        'CHN' as iso3,
        'least_aligned' as bloc

)

select
    memberships.iso3,
    memberships.year,
    memberships.bloc,
    expected.bloc as expected_bloc
from {{ ref('dim_bloc_membership') }} as memberships
inner join expected on memberships.iso3 = expected.iso3
where
    memberships.year >= 2010
    and memberships.bloc <> expected.bloc
    and '{{ var("bloc_method") }}' <> 'custom'
