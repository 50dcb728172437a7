"""The keyed BEA API source, against a real HTTP server on 127.0.0.1 playing the API."""

from __future__ import annotations

import dataclasses
import http.server
import json
import logging
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from conftest import PublisherHandler, publisher

from treasury_warehouse.config import Settings
from treasury_warehouse.errors import FetchError, ParseError, SourceNotConfigured
from treasury_warehouse.ingest import sources
from treasury_warehouse.ingest.intake import fetch_and_land
from treasury_warehouse.ingest.parsers.bea_iip import parse_api
from treasury_warehouse.ingest.pipeline import parse_landed, publish_candidate, validate_candidate

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ANSWER = "mirror/niip/bea_iip_api.json"
ERROR = "bea_api/error.json"
KEY = "0123ABCD-SECRET-KEY"


class FakeBea(PublisherHandler):
    def answer(self) -> None:
        query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        self.server.queries.append(query)
        status, name = self.server.answer
        body = (FIXTURES / name).read_bytes()
        # The real API echoes the request parameters, the key among them.
        body = body.replace(b'"ParameterValue": "***"', f'"ParameterValue": "{query.get("UserID", [""])[0]}"'.encode())
        self.send(status, body, "application/json")


@pytest.fixture
def bea(monkeypatch: pytest.MonkeyPatch) -> Iterator[http.server.HTTPServer]:
    with publisher(FakeBea, queries=[], answer=(200, ANSWER)) as server:
        real = sources.SOURCES["bea_iip_api"]
        local = f"http://127.0.0.1:{server.server_address[1]}/api/data?{real.url.split('?', 1)[1]}"
        monkeypatch.setitem(sources.SOURCES, "bea_iip_api", dataclasses.replace(real, url=local))
        monkeypatch.delenv("BEA_API_KEY", raising=False)
        yield server


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return dataclasses.replace(Settings.from_env(), data_dir=tmp_path / "data", source_mirror=None)


def test_without_a_key_the_source_is_skipped_not_failed(bea, settings: Settings) -> None:
    with pytest.raises(SourceNotConfigured, match="BEA_API_KEY"):
        fetch_and_land("bea_iip_api", settings)
    assert bea.queries == []


def test_key_is_sent_but_never_landed_or_logged(
    bea, settings: Settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("BEA_API_KEY", KEY)
    caplog.set_level(logging.DEBUG)

    landed = fetch_and_land("bea_iip_api", settings)
    published = publish_candidate(
        "bea_iip_api",
        validate_candidate("bea_iip_api", parse_landed("bea_iip_api", landed["path"], settings), settings),
        settings,
    )

    assert bea.queries[0]["UserID"] == [KEY]
    assert bea.queries[0]["DataSetName"] == ["IIP"]
    for path in settings.data_dir.rglob("*"):
        if path.is_file():
            assert KEY.encode() not in path.read_bytes(), path
    assert KEY not in caplog.text
    assert "UserID=***" in json.loads((Path(landed["path"]).parent / "manifest.json").read_text())["url"]
    frame = pd.read_parquet(published["published"])
    net = frame[(frame["type_of_investment"] == "Net") & (frame["frequency"] == "annual")]
    assert net["value_usd_mn"].tolist() == [-16_172_308]


def test_an_http_error_does_not_leak_the_key(bea, settings: Settings) -> None:
    bea.answer = (403, ERROR)
    with pytest.raises(FetchError) as failure:
        fetch_and_land("bea_iip_api", settings, api_key=KEY)
    assert KEY not in str(failure.value)
    assert "UserID=***" in str(failure.value)


def test_an_api_error_answer_names_the_reason() -> None:
    with pytest.raises(ParseError) as failure:
        parse_api((FIXTURES / ERROR).read_bytes())
    assert failure.value.rule == "api_error"
    assert "The UserId provided is not valid" in str(failure.value)


def test_unit_change_is_refused() -> None:
    answer = json.loads((FIXTURES / ANSWER).read_text())
    answer["BEAAPI"]["Results"]["Data"][0]["CL_UNIT"] = "EUR"
    with pytest.raises(ParseError) as failure:
        parse_api(json.dumps(answer).encode())
    assert failure.value.rule == "units"


def test_positions_are_scaled_by_unit_mult() -> None:
    answer = json.loads((FIXTURES / ANSWER).read_text())
    for record in answer["BEAAPI"]["Results"]["Data"]:
        record["UNIT_MULT"] = "9"  # billions
    frame = parse_api(json.dumps(answer).encode())
    assert frame.loc[frame["type_of_investment"] == "FinAssets", "value_usd_mn"].iloc[0] == 31_631_830_000
