-- The maturity wall by calendar year and class for each MSPD record date. The record
-- date's own year holds only what matures after it (is_partial_year): a snapshot dated
-- 2026-09-30 shows October-December 2026, not the whole year's maturities.
with by_year as (

    select
        record_date,
        year(maturity_month) as maturity_year,
        security_class,
        sum(cast(maturing_usd_bn as decimal(38, 9))) as maturing_usd_bn,  -- exact, as the monthly mart
        cast(sum(securities) as bigint) as securities,
        max(vintage_sha256) as vintage_sha256
    from {{ ref('fct_treasury_maturities_monthly') }}
    group by record_date, year(maturity_month), security_class

)

select
    md5(concat_ws('|', record_date, maturity_year, security_class)) as maturity_id,
    record_date,
    maturity_year,
    security_class,
    cast(maturing_usd_bn as double) as maturing_usd_bn,
    securities,
    cast(maturing_usd_bn / sum(maturing_usd_bn) over (partition by record_date) as double) as listed_share,
    cast(maturing_usd_bn / sum(maturing_usd_bn) over (partition by record_date, maturity_year) as double)
        as year_share,
    maturity_year = year(record_date) as is_partial_year,
    record_date = max(record_date) over () as is_latest_record_date,
    vintage_sha256
from by_year
