{{ latest_vintage_rows(ref('stg_undl__votes')) }}
