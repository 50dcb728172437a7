{{ latest_vintage_rows(ref('stg_unvotes__votes')) }}
