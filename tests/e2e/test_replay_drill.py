"""The replay drill: two nights under Airflow against the publishers themselves (no mirror),
replayed by a server on 127.0.0.1 (``tests/replay/publishers.py``): release 1 is the real
files of ``../shared/sources`` in each publisher's shape, release 2 the same with the next
period appended everywhere and one revision. After night 2 every source with a live path has
advanced, the revision is in the revisions marts, the new General Assembly session's blocs
are measured, the digest names every appended period and the revision, and each night built
one warehouse."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import pytest
from conftest import WebhookServer, new_deployment

from treasury_warehouse.ingest.sources import SOURCES

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "replay"))
import publishers

pytestmark = pytest.mark.e2e

LIVE = sorted(name for name, s in SOURCES.items() if s.url and not s.api_key_env)


def newest(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("select source_name, latest_vintage_sha256 from meta.meta_sources").fetchall())


def test_two_nights_against_the_publishers_advance_every_live_source(
    tmp_path: Path, airflow_db: Path, webhook_server: WebhookServer, shared_sources: Path
) -> None:
    shared = shared_sources  # the fixture skips, saying why, without ../shared/sources
    releases = {n: publishers.write_release(tmp_path / f"release-{n}", n, shared) for n in (1, 2)}
    assert set(publishers.APPENDED) == set(LIVE)  # the drill covers every keyless live path

    with publishers.serve(releases[1]) as httpd:
        deployment = new_deployment(
            tmp_path / "deployment",
            airflow_db,
            PUBLISHER_ORIGIN=f"http://127.0.0.1:{httpd.server_address[1]}",
            BEA_API_KEY="",
            SOURCE_MIRROR="",
        )
        first = deployment.run()
        assert first.code == 0, first.output
        for name in LIVE:
            assert f"ingest_{name}: ok" in first.output, first.output
        assert "build_warehouse: ok" in first.output
        with duckdb.connect(str(deployment.warehouse), read_only=True) as con:
            night_1 = newest(con)
            no_live = con.execute("select source_name from meta.meta_sources where live_path <> 'keyless'").fetchall()
        assert sorted(r[0] for r in no_live) == ["bea_iip_api", "bea_iip_table", "wgc_gold_changes"]

        httpd.root = releases[2]
        deployment.env["AIRFLOW_CONN_WAREHOUSE_DIGEST"] = webhook_server.url
        second = deployment.run()

    assert second.code == 0, second.output
    builds = sorted((deployment.data_dir / "builds").glob("warehouse-*"))
    assert len(builds) == 2, builds  # one build a night, however many sources advanced
    with duckdb.connect(str(deployment.warehouse), read_only=True) as con:
        night_2 = newest(con)
        advanced = [name for name in LIVE if night_2[name] != night_1[name]]
        assert advanced == LIVE
        # The revision, in both revisions marts.
        name, month, before, after = publishers.REVISION
        revised = con.execute(
            "select previous_value, observed_value from marts.fct_series_revisions"
            " where series_key = 'tic_mfh:' || ? and strftime(period_end, '%Y-%m') = ? and previous_value is not null",
            [name, month],
        ).fetchall()
        assert revised == [(before, after)]
        # The new session's blocs are measured, not carried, for nearly every member that voted.
        newest_year, voted, measured = con.execute(
            """
            with voters as (
                select distinct vote_year, iso3_code from staging.stg_undl__votes_latest
                where vote_year = (select max(vote_year) from staging.stg_undl__votes_latest)
            )
            select any_value(voters.vote_year), count(*), count(*) filter (where not blocs.is_carried_forward)
            from voters
            left join marts.dim_bloc_membership as blocs
                on blocs.iso3 = voters.iso3_code and blocs.year = voters.vote_year
            """
        ).fetchone()
        changes = con.execute(
            "select change_kind, source_name, previous_value, new_value from meta.meta_changes"
        ).fetchall()
    assert newest_year == 2020
    assert measured / voted >= 0.95, (measured, voted)
    # The digest, sent once after night 2, names every appended period and the revision.
    digests = [d for d in webhook_server.received if "changes" in d]
    assert len(digests) == 1, webhook_server.received
    lines = digests[0]["changes"]
    for source, period in publishers.APPENDED.items():
        assert any(line.startswith(f"{source}: ") and "added" in line and period in line for line in lines), (
            source,
            period,
            lines,
        )
    head, tail = f"; 1 value revised; the largest {name} / ", f" {month}-01 (holdings_usd_bn): 1,202.7 to 1,203 (+0.3)"
    assert any(line.startswith("tic_mfh: ") and head in line and line.endswith(tail) for line in lines), lines
    assert any(line.startswith("Blocs of 2020 (measured) changed for ") for line in lines), lines
    assert {kind for kind, *_ in changes} >= {"new_vintage", "periods_added", "values_revised", "bloc_changed"}
    assert [(p, n) for kind, source, p, n in changes if kind == "values_revised"] == [(before, after)]
