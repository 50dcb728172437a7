-- Each country's vote next to the US vote on the same roll call (unvotes layout).
-- The unvotes tables record yes, abstain and no only: absences are not recorded there.
with votes as (

    select
        votes.roll_call_id,
        roll_calls.vote_year,
        votes.iso2_code,
        votes.country_name,
        votes.vote_code
    from {{ ref('stg_unvotes__votes_latest') }} as votes
    inner join {{ ref('stg_unvotes__roll_calls_latest') }} as roll_calls
        on
            votes.roll_call_id = roll_calls.roll_call_id

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
    us.us_vote_code
from votes
inner join us on votes.roll_call_id = us.roll_call_id
where votes.iso2_code is distinct from 'US'
