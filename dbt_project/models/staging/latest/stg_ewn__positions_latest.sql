{{ latest_vintage_rows(ref('stg_ewn__positions')) }}
