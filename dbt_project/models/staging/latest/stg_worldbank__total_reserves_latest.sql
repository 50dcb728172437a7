{{ latest_vintage_rows(ref('stg_worldbank__total_reserves')) }}
