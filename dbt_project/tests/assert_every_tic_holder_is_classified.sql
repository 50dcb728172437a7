-- Every holder a TIC table names is either mapped to an ISO3 country or listed as an
-- aggregate in seeds/tic_aggregates.csv. A new name in a release fails here until it is
-- mapped (seeds/country_name_overrides.csv) or declared an aggregate.
select
    tic_name,
    tic_country_code,
    source_table
from {{ ref('int_tic_holders') }}
where iso3 is null and aggregate_kind is null
