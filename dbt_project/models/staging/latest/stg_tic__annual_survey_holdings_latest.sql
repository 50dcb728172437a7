{{ latest_vintage_rows(ref('stg_tic__annual_survey_holdings')) }}
