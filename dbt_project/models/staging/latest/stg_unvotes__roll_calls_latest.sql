{{ latest_vintage_rows(ref('stg_unvotes__roll_calls')) }}
