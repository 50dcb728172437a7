"""The warehouse: from the published source vintages to a published DuckDB build.

``builds`` runs dbt into a new build folder (everything, or what new vintages touch),
audits it, publishes it atomically and rolls back; ``dbt_session`` is the build's one dbt
process; ``freshness`` says how current each source is for the ``meta`` schema; ``serve``
copies the published build into a Postgres serving database. Modules here import the
ingest stage (the registry, quarantine) but nothing later.
"""
