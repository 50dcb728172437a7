-- One row per maturity year and security class, from the latest statement date through
-- ten years after it: marketable debt maturing (the statement's own year only from its date).
select
    record_date,
    maturity_year,
    security_class,
    maturing_usd_bn,
    cast(sum(cast(maturing_usd_bn as decimal(38, 9))) over (partition by maturity_year) as double)
        as year_maturing_usd_bn,
    is_partial_year,
    vintage_sha256
from {{ ref('fct_treasury_maturities_yearly') }}
where is_latest_record_date and maturity_year <= year(record_date) + 10
