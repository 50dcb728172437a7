"""What a build brings against the one before it: each vintage's periods added and values
revised (recorded when it is published), meta.meta_changes, the report's "What changed",
and the digest sent once through a chat webhook or e-mail (real servers on 127.0.0.1)."""

from __future__ import annotations

import dataclasses
import shutil
import socketserver
import threading
from email import message_from_bytes
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from conftest import FIXTURE_MIRROR, WebhookServer, build_and_publish
from test_notify import SmtpRecorder

from treasury_warehouse.ingest import advances
from treasury_warehouse.ingest.pipeline import ingest
from treasury_warehouse.ingest.sources import SOURCES
from treasury_warehouse.orchestration.digest import Channel, deliver, lines, send
from treasury_warehouse.report.nightly import build_report
from treasury_warehouse.warehouse import builds


def fred_vintage(path: Path, values: dict[str, float]) -> Path:
    frame = pd.DataFrame(
        {
            "series_id": "FDHBFIN",
            "observation_date": pd.to_datetime(list(values)),
            "value": list(values.values()),
            "unit": "usd_bn",
        }
    )
    frame.to_parquet(path)
    return path


def test_a_vintage_records_the_periods_it_adds_and_the_values_it_revises(tmp_path: Path) -> None:
    old = fred_vintage(tmp_path / "old.parquet", {"2024-01-01": 100.0, "2024-04-01": 110.0, "2024-07-01": 120.0})
    new = fred_vintage(
        tmp_path / "new.parquet",
        {"2024-01-01": 100.0, "2024-04-01": 109.5, "2024-07-01": 123.0, "2024-10-01": 130.0, "2025-01-01": 131.0},
    )

    facts = advances.compare(SOURCES["fred_fdhbfin"], new, old)

    assert facts["periods_added"] == {"count": 2, "shown": ["2024-10-01", "2025-01-01"], "column": "observation_date"}
    assert facts["values_revised"]["count"] == 2
    assert facts["values_revised"]["largest"] == {
        "column": "value",
        "series": "FDHBFIN",
        "period": "2024-07-01",
        "previous_value": 120.0,
        "new_value": 123.0,
        "change": 3.0,
    }
    first = advances.compare(SOURCES["fred_fdhbfin"], old, None)
    assert first["periods"] == {"count": 3, "first": "2024-01-01", "last": "2024-07-01"}
    assert "periods_added" not in first


def test_a_build_lists_what_a_new_vintage_brings_and_the_digest_goes_once(
    published_copy, tmp_path: Path, webhook_server: WebhookServer
) -> None:
    mirror = tmp_path / "mirror"
    shutil.copytree(FIXTURE_MIRROR / "niip", mirror / "niip")
    fred = mirror / "niip" / "FDHBFIN.csv"
    fred.write_text(fred.read_text().replace("2016-07-01,6154.9", "2016-07-01,6150.0") + "2017-01-01,6006.2\n")
    settings = dataclasses.replace(published_copy, source_mirror=str(mirror))
    before = builds.published_build(settings)

    ingest("fred_fdhbfin", settings)
    build_and_publish(settings)

    build = builds.published_build(settings)
    with duckdb.connect(str(build), read_only=True) as con:
        kinds = con.execute(
            "select change_kind, source_name, items, change_value, compared_with_build from meta.meta_changes"
            " order by change_kind"
        ).fetchall()
    assert [k[:3] for k in kinds] == [
        ("new_vintage", "fred_fdhbfin", 4),
        ("periods_added", "fred_fdhbfin", 1),
        ("values_revised", "fred_fdhbfin", 1),
    ]
    assert kinds[2][3] == pytest.approx(-4.9)
    assert {k[4] for k in kinds} == {builds.build_id(before)}
    [said] = lines(build)  # one sentence for the source
    assert said.startswith("fred_fdhbfin: new vintage ")
    assert said.endswith(
        " (4 rows); 1 period added: 2017-01-01;"
        " 1 value revised; the largest FDHBFIN 2016-07-01 (value): 6,154.9 to 6,150 (-4.9)"
    )
    report = build_report(settings).read_text()
    assert "1 period added: 2017-01-01" in report

    channel = Channel("http", "127.0.0.1", webhook_server.httpd.server_address[1], "hooks/digest")
    assert deliver(settings, channel) == "webhook"
    assert deliver(settings, channel) == "already sent"  # a re-run of the task sends nothing twice
    [body] = webhook_server.received
    assert body["build"] == builds.build_id(build)
    assert body["changes"] == [said]
    assert body["text"].startswith(f"[treasury-warehouse] what build {builds.build_id(build)} brings")


def test_the_digest_goes_by_email_through_an_smtp_connection() -> None:
    SmtpRecorder.messages.clear()
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SmtpRecorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        channel = Channel(
            "smtp", "127.0.0.1", server.server_address[1], extra={"to": "desk@example.org", "from": "wh@example.org"}
        )
        assert send(channel, "warehouse-20261206T020000Z", ["tic_mfh: 1 period added: 2026-10"]) == "email"
    finally:
        server.shutdown()
        server.server_close()
    [(sender, recipients, data)] = SmtpRecorder.messages
    assert (sender, recipients) == ("wh@example.org", ["desk@example.org"])
    message = message_from_bytes(data)
    assert message["Subject"] == "[treasury-warehouse] what build warehouse-20261206T020000Z brings"
    assert "- tic_mfh: 1 period added: 2026-10" in message.get_payload()


def test_a_digest_without_a_connection_is_logged_and_a_wrong_one_fails() -> None:
    assert send(None, "warehouse-x", []) == "log"
    with pytest.raises(ValueError, match="neither http"):
        send(Channel("postgres", "127.0.0.1"), "warehouse-x", [])
    with WebhookServer(status=500) as broken, pytest.raises(Exception, match="500"):
        send(Channel("http", "127.0.0.1", broken.httpd.server_address[1], "hooks"), "warehouse-x", ["a"])
