-- COW country codes with their ISO3 code, as the ideal-point file pairs them (latest
-- year) unless seeds/alignment_code_overrides.csv says otherwise, and the last year each code
-- has an ideal point. Before unification the file gives two COW codes one ISO3 (both
-- Germanys DEU, both Yemens YAR).
select
    paired.cow_code,
    coalesce(overrides.iso3, paired.iso3) as iso3,
    paired.last_year
from (
    select
        cow_code,
        iso3_code as iso3,
        max(year) over (partition by cow_code) as last_year,
        row_number() over (partition by cow_code order by year desc) as latest
    from {{ ref('stg_voeten__ideal_points_latest') }}
    where iso3_code is not null
) as paired
left join {{ ref('alignment_code_overrides') }} as overrides
    on overrides.code_system = 'cow' and cast(paired.cow_code as varchar) = overrides.code
where paired.latest = 1
