-- One row per year since 1990: official gold (implied by reserves) beside foreign official
-- holdings of Treasuries.
select
    year,
    implied_official_gold_usd_bn,
    foreign_official_treasuries_usd_bn
from {{ ref('fct_gold_vs_treasuries') }}
where year >= 1990
