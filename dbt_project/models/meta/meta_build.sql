-- One row: the build this warehouse file is. The facts come from the build step
-- (WAREHOUSE_BUILD_FACTS, key warehouse_build); a dbt run outside it says so.
select
    cast({{ sql_literal(build_fact('build_id', 'not built by the pipeline')) }} as varchar) as build_id,
    -- UTC without a zone: a TIMESTAMPTZ needs pytz in DuckDB's Python client, which BI
    -- notebooks do not always have.
    cast('{{ run_fact("started_at") }}' as timestamptz) at time zone 'UTC' as built_at,
    cast({{ sql_literal(build_fact('code_revision')) }} as varchar) as code_revision,
    cast('{{ run_fact("dbt_version") }}' as varchar) as dbt_version,
    cast({{ sql_literal(build_fact('storage_version')) }} as varchar) as duckdb_storage_version,
    cast('{{ var("bloc_method") }}' as varchar) as bloc_method,
    cast({{ var('flows_start_year') | int }} as integer) as flows_start_year,
    cast({{ sql_literal(build_fact('sources_not_built', []) | join(', ')) }} as varchar) as sources_not_built,
    cast('{{ run_fact("invocation_id") }}' as varchar) as dbt_invocation_id,
    cast({{ sql_literal(build_fact('carried_from_build')) }} as varchar) as carried_from_build,
    cast({{ sql_literal(build_fact('rebuilt_sources', []) | join(', ') or none) }} as varchar) as rebuilt_sources
