"""The Fiscal Data API, served by a real HTTP server on 127.0.0.1 that pages its answer
as the publisher does (links.next as a query fragment, meta.total-count): the ingest
follows every page, lands one document, and publishes what the parser and gate accept."""

from __future__ import annotations

import dataclasses
import http.server
import json
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from conftest import PublisherHandler, fiscal_page, publisher

from treasury_warehouse.config import Settings
from treasury_warehouse.errors import FetchError
from treasury_warehouse.ingest import sources
from treasury_warehouse.ingest.fetch import fetch_pages, http_session
from treasury_warehouse.ingest.intake import fetch_and_land
from treasury_warehouse.ingest.pipeline import ingest

DETAIL = Path(__file__).resolve().parent / "fixtures" / "mirror" / "fiscal" / "mspd_table_3_record_date_2026-09-30.json"


class FiscalDataHandler(PublisherHandler):
    """GET /v1/debt/mspd/mspd_table_3?...&page[size]=N&page[number]=K, answered from rows."""

    def answer(self) -> None:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        body = fiscal_page(self.server.rows, query)
        number = int(query.get("page[number]", 1))
        html = self.server.html_from_page is not None and number >= self.server.html_from_page
        content = b"<html><body>Down for maintenance</body></html>" if html else json.dumps(body).encode()
        self.send(200, content, "application/json")


@pytest.fixture
def api() -> Iterator[http.server.HTTPServer]:
    with publisher(FiscalDataHandler, rows=json.loads(DETAIL.read_text())["data"], html_from_page=None) as httpd:
        yield httpd


def endpoint(api: http.server.HTTPServer, size: int) -> str:
    return (
        f"http://127.0.0.1:{api.server_address[1]}/v1/debt/mspd/mspd_table_3?fields=record_date,security_type_desc,"
        f"security_class1_desc,security_class2_desc,maturity_date,outstanding_amt"
        f"&filter=record_date:eq:{{latest_record_date}}&page[size]={size}"
    )


def test_every_page_is_followed_and_landed_as_one_document(api) -> None:
    fetched = fetch_pages(endpoint(api, 7), "fiscal_mspd_detail", session=http_session(backoff_s=0))

    document = json.loads(fetched.content)
    assert document["data"] == api.rows
    assert document["meta"]["pages_fetched"] == -(-len(api.rows) // 7)
    assert "record_date:eq:2026-09-30" in fetched.url  # the newest record date, asked first
    first = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(api.requests[0]).query))
    assert (first["sort"], first["page[size]"]) == ("-record_date", "1")
    numbers = [dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(r).query)).get("page[number]") for r in api.requests]
    assert numbers[1:] == [None, *map(str, range(2, document["meta"]["pages_fetched"] + 1))]


def test_a_later_page_that_is_not_json_fails_naming_the_page(api) -> None:
    api.html_from_page = 2  # the API answers its second page with an error page

    with pytest.raises(FetchError, match=r"rule 'json_page' failed: page 2 is not JSON"):
        fetch_pages(endpoint(api, 7), "fiscal_mspd_detail", session=http_session(backoff_s=0))


def test_the_ingest_fetches_the_api_and_publishes_the_snapshot(
    api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = dataclasses.replace(sources.SOURCES["fiscal_mspd_detail"], url=endpoint(api, 10))
    monkeypatch.setitem(sources.SOURCES, "fiscal_mspd_detail", live)
    settings = dataclasses.replace(Settings.from_env(), data_dir=tmp_path / "data", source_mirror=None)

    landed = fetch_and_land("fiscal_mspd_detail", settings)
    published = ingest("fiscal_mspd_detail", settings)

    assert Path(str(landed["path"])).name == "mspd_table_3.json"
    frame = pd.read_parquet(str(published["published"]))
    securities = frame[frame["row_kind"] == "security"]
    assert set(securities["security_class"]) == {"bills", "notes", "bonds", "tips", "frn"}
    assert frame["record_date"].nunique() == 1
