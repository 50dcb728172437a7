{{ latest_vintage_rows(ref('stg_tic__major_foreign_holders')) }}
