"""The External Wealth of Nations from Brookings: a real HTTP server on 127.0.0.1 serves the
database's page, linking editions under wp-content/uploads/<year>/<month>/ as Brookings does,
and the workbooks. The ingest takes the newest upload and dates its vintage by that month."""

from __future__ import annotations

import dataclasses
import http.server
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from conftest import PublisherHandler, publisher

from treasury_warehouse.config import Settings
from treasury_warehouse.errors import FetchError
from treasury_warehouse.ingest import listings, sources
from treasury_warehouse.ingest.intake import fetch_and_land
from treasury_warehouse.ingest.pipeline import ingest

WORKBOOK = Path(__file__).resolve().parent / "fixtures" / "mirror" / "niip" / "EWN-dataset_12-2022.xlsx"
PAGE = """<!DOCTYPE html><html><body><h1>The External Wealth of Nations Database</h1>
<p><a href="https://www.brookings.edu/wp-content/uploads/2023/02/EWN-dataset_12-2022.xlsx">2022</a></p>
<p><a href="/wp-content/uploads/2026/02/EWN-dataset-year-end-2024_2.27.26.xlsx">Download (year-end 2024)</a></p>
<p><a href="/wp-content/uploads/2026/02/EWN-Methodology.pdf">Methodology</a></p>
</body></html>"""


class Brookings(PublisherHandler):
    def answer(self) -> None:
        if self.path == "/articles/the-external-wealth-of-nations-database/":
            return self.send(200, self.server.page.encode(), "text/html")
        if self.path == "/wp-content/uploads/2026/02/EWN-dataset-year-end-2024_2.27.26.xlsx":
            return self.send(200, WORKBOOK.read_bytes(), "application/vnd.ms-excel")
        return self.send(404, b"not found", "text/plain")


@pytest.fixture
def brookings() -> Iterator[http.server.HTTPServer]:
    with publisher(Brookings, page=PAGE) as httpd:
        yield httpd


def test_the_newest_upload_is_chosen_and_dated_by_its_month() -> None:
    url, name = listings.brookings_ewn(PAGE.encode(), sources.EWN_PAGE)
    assert url == "https://www.brookings.edu/wp-content/uploads/2026/02/EWN-dataset-year-end-2024_2.27.26.xlsx"
    assert name == "2026-02-01__EWN-dataset-year-end-2024_2.27.26.xlsx"


def test_a_page_without_a_workbook_link_fails_naming_the_rule() -> None:
    with pytest.raises(FetchError, match=r"ewn.*rule 'listing'.*links no EWN workbook"):
        listings.brookings_ewn(b"<html><body>Access denied</body></html>", sources.EWN_PAGE)


def test_the_ingest_lands_the_newest_edition_and_publishes_it(
    brookings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    page = f"http://127.0.0.1:{brookings.server_address[1]}/articles/the-external-wealth-of-nations-database/"
    monkeypatch.setitem(sources.SOURCES, "ewn", dataclasses.replace(sources.SOURCES["ewn"], url=page))
    settings = dataclasses.replace(Settings.from_env(), data_dir=tmp_path / "data", source_mirror=None)

    landed = fetch_and_land("ewn", settings)
    published = ingest("ewn", settings)

    assert Path(str(landed["path"])).name == "2026-02-01__EWN-dataset-year-end-2024_2.27.26.xlsx"
    assert brookings.requests[1] == "/wp-content/uploads/2026/02/EWN-dataset-year-end-2024_2.27.26.xlsx"
    assert Path(str(published["published"])).name.startswith("vintage=2026-02-01__")
    frame = pd.read_parquet(str(published["published"]))
    assert set(frame["vintage_basis"]) == {"listing"}
    assert frame["year"].max() == 2020  # the fixture workbook's last year
