-- Alignment with the US per country and calendar year, by three measures:
--   coincidence (US State Department): (same + 0.5 partial + 0.5 absent) / (same + opposite + partial + absent)
--   agreement (Voeten): mean of 1 - |v - v_us| / 2 over votes both cast, yes=1, abstain=2, no=3
--   ideal-point distance: |theta - theta_US| (final-passage ideal points)
with compared as (

    select
        iso2_code,
        vote_year,
        -- Identical votes (both yes, both no, or both abstain) count as the same.
        count(*) filter (where vote_code = us_vote_code) as same_votes,
        count(*) filter (where vote_code in (1, 3) and us_vote_code in (1, 3) and vote_code <> us_vote_code)
            as opposite_votes,
        count(
            *) filter (
            where (vote_code = 2) <> (us_vote_code = 2) and vote_code in (1, 2, 3)
            and us_vote_code in (1, 2, 3)
        ) as partial_votes,
        count(*) filter (where vote_code = 8 and us_vote_code in (1, 2, 3)) as absent_votes,
        avg(1 - abs(vote_code - us_vote_code) / 2.0) filter (
            where vote_code in (1, 2, 3) and us_vote_code in (1, 2, 3)
        ) as agreement
    from {{ ref('int_un_votes_against_us') }}
    group by iso2_code, vote_year
    having count(*) >= {{ var('min_votes_compared') | int }}

),

by_votes as (

    select
        coalesce(overrides.iso3, iso.iso3) as iso3,
        compared.vote_year as year,
        compared.same_votes,
        compared.opposite_votes,
        compared.partial_votes,
        compared.absent_votes,
        (compared.same_votes + 0.5 * compared.partial_votes + 0.5 * compared.absent_votes)
        / nullif(
            compared.same_votes + compared.opposite_votes + compared.partial_votes + compared.absent_votes, 0
        ) as coincidence,
        compared.agreement
    from compared
    -- Codes the roll calls use for a country that now has another (seeds/alignment_code_overrides.csv).
    left join {{ ref('alignment_code_overrides') }} as overrides
        on overrides.code_system = 'unvotes_iso2' and compared.iso2_code = overrides.code
    left join {{ ref('iso_countries') }} as iso
        on compared.iso2_code = coalesce(iso.iso2, case when iso.iso3 = 'NAM' then 'NA' end)
    where coalesce(overrides.iso3, iso.iso3) is not null

),

us_points as (

    select
        year,
        ideal_point_final_passage as us_ideal_point
    from {{ ref('stg_voeten__ideal_points_latest') }}
    where cow_code = 2

),

by_ideal_points as (

    select
        cow.iso3,
        points.year,
        abs(points.ideal_point_final_passage - us_points.us_ideal_point) as ideal_point_distance
    from {{ ref('stg_voeten__ideal_points_latest') }} as points
    inner join us_points on points.year = us_points.year
    inner join {{ ref('int_cow_iso3') }} as cow on points.cow_code = cow.cow_code
    where
        points.cow_code <> 2
        and points.ideal_point_final_passage is not null
    -- Before unification the file gives both Germanys (255, 260) the code DEU and both
    -- Yemens (678, 680) YAR: keep the one with more votes.
    qualify row_number() over (
        partition by cow.iso3, points.year order by points.votes_final_passage desc nulls last, points.cow_code asc
    ) = 1

)

select
    coalesce(by_votes.iso3, by_ideal_points.iso3) as iso3,
    coalesce(by_votes.year, by_ideal_points.year) as year,
    by_votes.same_votes,
    by_votes.opposite_votes,
    by_votes.partial_votes,
    by_votes.absent_votes,
    by_votes.coincidence,
    by_votes.agreement,
    by_ideal_points.ideal_point_distance
from by_votes
full outer join by_ideal_points
    on by_votes.iso3 = by_ideal_points.iso3 and by_votes.year = by_ideal_points.year
