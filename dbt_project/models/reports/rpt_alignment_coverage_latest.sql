-- One row: the latest month of the exposure mart, and how much of its bloc shares rests on
-- alignment carried forward from an earlier year's UN votes (fct_treasury_exposure).
select
    exposure.period_month,
    exposure.countries_counted,
    exposure.carried_forward_countries,
    exposure.carried_forward_share,
    exposure.latest_measured_year
from {{ ref('fct_treasury_exposure') }} as exposure
qualify exposure.period_month = max(exposure.period_month) over ()
