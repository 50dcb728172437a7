-- Built empty while the source has nothing published (an optional input: the historical
-- votes stand alone), so the models that add these votes need no other branch. At parse
-- time (execute false) the source is always referenced, so lineage shows it.
{% if execute and not source_is_published('un_votes_undl') %}

    select
        cast(null as varchar) as roll_call_id,
        cast(null as varchar) as iso3_code,
        cast(null as varchar) as country_name,
        cast(null as varchar) as vote,
        cast(null as bigint) as vote_code,
        cast(null as bigint) as session,
        cast(null as date) as vote_date,
        cast(null as bigint) as vote_year,
        cast(null as varchar) as resolution,
        cast(null as date) as vintage_released_on,
        cast(null as varchar) as vintage_sha256,
        cast(null as varchar) as source_file,
        cast(null as timestamp) as landed_at
    where false

{% else %}

    with source as (

        select * from {{ source('undl', 'votes') }}

    )

    select
        cast(rcid as varchar) as roll_call_id,
        cast(country_code as varchar) as iso3_code,
        cast(country_name as varchar) as country_name,
        cast(vote as varchar) as vote,
        cast(vote_code as bigint) as vote_code,
        cast(session as bigint) as session,
        cast(vote_date as date) as vote_date,
        cast(vote_year as bigint) as vote_year,
        cast(resolution as varchar) as resolution,
        {{ vintage_columns() }}
    from source

{% endif %}
