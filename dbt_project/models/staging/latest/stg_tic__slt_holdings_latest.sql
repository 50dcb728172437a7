{{ latest_vintage_rows(ref('stg_tic__slt_holdings')) }}
