-- Each country's vote next to the US vote on the same roll call, from two sources:
--   the historical votes (unvotes layout, to January 2020): yes, abstain and no, absences
--   not recorded;
--   the UN Digital Library's voting data (every session to the newest release): absences
--   recorded (X, vote code 8).
-- A roll call both hold counts once: a vote on a whole resolution with the same symbol on the
-- same date is taken from the Digital Library, the publisher's own record, and the unvotes
-- copy is dropped. unvotes' amendment and paragraph votes, which the Digital Library does
-- not list, stay. Digital Library codes outside today's ISO 3166 (SUN, YUG, CSK, DDR, YMD)
-- have no ISO2 code and are left out: they vote before 1993, outside every bloc window.
with undl as (

    select
        'undl:' || votes.roll_call_id as roll_call_id,
        votes.vote_year,
        votes.vote_date,
        votes.resolution,
        coalesce(iso.iso2, case when votes.iso3_code = 'NAM' then 'NA' end) as iso2_code,
        votes.country_name,
        votes.vote_code
    from {{ ref('stg_undl__votes_latest') }} as votes
    left join {{ ref('iso_countries') }} as iso on votes.iso3_code = iso.iso3

),

undl_roll_calls as (

    select distinct
        resolution,
        vote_date
    from undl
    where resolution is not null

),

historical as (

    select
        votes.roll_call_id,
        roll_calls.vote_year,
        votes.iso2_code,
        votes.country_name,
        votes.vote_code
    from {{ ref('stg_unvotes__votes_latest') }} as votes
    inner join {{ ref('stg_unvotes__roll_calls_latest') }} as roll_calls
        on votes.roll_call_id = roll_calls.roll_call_id
    left join undl_roll_calls
        on
            roll_calls.resolution = undl_roll_calls.resolution
            and roll_calls.vote_date = undl_roll_calls.vote_date
            and not roll_calls.is_amendment
            and not roll_calls.is_paragraph
    where undl_roll_calls.resolution is null

),

votes as (

    select
        roll_call_id,
        vote_year,
        iso2_code,
        country_name,
        vote_code,
        'unvotes' as vote_source
    from historical
    union all
    select
        roll_call_id,
        vote_year,
        iso2_code,
        country_name,
        vote_code,
        'undl' as vote_source
    from undl
    where iso2_code is not null

),

us as (

    select
        roll_call_id,
        vote_code as us_vote_code
    from votes
    where iso2_code = 'US'

)

select
    votes.roll_call_id,
    votes.vote_year,
    votes.iso2_code,
    votes.country_name,
    votes.vote_code,
    us.us_vote_code,
    votes.vote_source
from votes
inner join us on votes.roll_call_id = us.roll_call_id
where votes.iso2_code is distinct from 'US'
