-- Country x year x bloc under the default bloc definition (var bloc_method), through
-- bloc_last_year (default: the current year). Years without a measurement of their own
-- carry the country's latest classification forward and say so.
select
    md5(concat_ws('|', iso3, year)) as bloc_membership_id,
    iso3,
    year,
    bloc,
    '{{ var("bloc_method") }}' as bloc_method,
    bloc_definition_id,
    measure,
    universe,
    window_years,
    lower_cutoff,
    upper_cutoff,
    measure_value,
    alignment_rank,
    measured_year,
    is_carried_forward
from {{ ref('int_blocs_by_definition') }}
where is_default
