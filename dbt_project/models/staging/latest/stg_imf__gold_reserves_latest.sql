{{ latest_vintage_rows(ref('stg_imf__gold_reserves')) }}
