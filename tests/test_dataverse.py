"""Voeten's ideal points from Harvard Dataverse's native API, served by a real HTTP server on
127.0.0.1 in Dataverse's documented shapes: the dataset's latest version with its files
(``data.latestVersion.files[].dataFile``), and a download by file id that redirects (303) to
a short-lived storage URL. The ingest picks the ideal-point file by name, asks for the
uploaded original of an ingested table, and dates the vintage by the version's release."""

from __future__ import annotations

import dataclasses
import http.server
import json
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

DTA = (
    Path(__file__).resolve().parent
    / "fixtures"
    / "mirror"
    / "unvotes"
    / "voeten_ideal_points"
    / "IdealpointsJuly2025.dta"
)
DOI = "doi:10.7910/DVN/LEJUQZ"


def dataset(release: str, files: list[dict]) -> dict:
    return {
        "status": "OK",
        "data": {
            "id": 100,
            "latestVersion": {
                "datasetPersistentId": DOI,
                "versionNumber": 38,
                "versionMinorNumber": 0,
                "versionState": "RELEASED",
                "releaseTime": release,
                "lastUpdateTime": release,
                "files": files,
            },
        },
    }


def data_file(file_id: int, filename: str, original: str | None = None) -> dict:
    entry = {"id": file_id, "filename": filename, "contentType": "text/tab-separated-values", "filesize": 1}
    if original:
        entry |= {"originalFileName": original, "originalFileFormat": "application/x-stata", "tabularData": True}
    return {"label": filename, "restricted": False, "dataFile": entry}


class Dataverse(PublisherHandler):
    def answer(self) -> None:
        server = self.server
        if self.path == f"/api/datasets/:persistentId/?persistentId={DOI}":
            return self.send(200, json.dumps(server.dataset).encode(), "application/json")
        if self.path.startswith("/api/access/datafile/"):
            self.send_response(303)  # Dataverse hands out a signed storage URL
            self.send_header("Location", f"/storage/{self.path.rsplit('/', 1)[1]}&X-Amz-Expires=60")
            self.end_headers()
            return None
        if self.path.startswith("/storage/") and self.path in server.stored:
            return self.send(200, server.stored[self.path], "application/octet-stream")
        return self.send(404, b"not found", "text/plain")


@pytest.fixture
def dataverse() -> Iterator[http.server.HTTPServer]:
    answer = dataset(
        "2026-04-03T15:02:11Z",
        [
            data_file(13642024, "Codebook_IdealPointEstimates1946-2025.txt"),
            data_file(13642025, "IdealpointsJuly2025.tab", original="IdealpointsJuly2025.dta"),
            data_file(11837234, "AgreementScores.csv"),
        ],
    )
    stored = {"/storage/13642025?format=original&X-Amz-Expires=60": DTA.read_bytes()}
    with publisher(Dataverse, dataset=answer, stored=stored) as httpd:
        yield httpd


def test_the_ideal_point_file_is_chosen_by_name_and_its_original_asked_for() -> None:
    answer = dataset(
        "2025-07-28T10:00:00Z",
        [data_file(7, "IdealpointestimatesAll_Jun2024.csv"), data_file(8, "UNVotes2021.RData")],
    )
    url, name = listings.dataverse_ideal_points(
        json.dumps(answer).encode(), f"https://dataverse.harvard.edu/api/datasets/:persistentId/?persistentId={DOI}"
    )
    assert url == "https://dataverse.harvard.edu/api/access/datafile/7"  # not ingested: no original to ask for
    assert name == "2025-07-28__IdealpointestimatesAll_Jun2024.csv"
    assert str(listings.listed_release(name)) == "2025-07-28"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"<html>Service Unavailable</html>", "not a Dataverse dataset answer"),
        (json.dumps(dataset("2026-04-03T15:02:11Z", [data_file(1, "AgreementScores.csv")])).encode(), "no ideal-point"),
        (
            json.dumps(
                dataset("2026-04-03T15:02:11Z", [data_file(1, "Idealpoints_a.csv"), data_file(2, "Idealpoints_b.csv")])
            ).encode(),
            "2 ideal-point files",
        ),
    ],
)
def test_a_dataset_answer_without_one_ideal_point_file_fails_naming_the_rule(body: bytes, detail: str) -> None:
    with pytest.raises(FetchError, match="rule 'listing'") as failure:
        listings.dataverse_ideal_points(body, "https://dataverse.harvard.edu/api/datasets/:persistentId/")
    assert detail in str(failure.value)


def test_the_ingest_follows_the_redirect_and_dates_the_vintage_by_the_version(
    dataverse, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{dataverse.server_address[1]}/api/datasets/:persistentId/?persistentId={DOI}"
    monkeypatch.setitem(
        sources.SOURCES, "un_ideal_points", dataclasses.replace(sources.SOURCES["un_ideal_points"], url=url)
    )
    settings = dataclasses.replace(Settings.from_env(), data_dir=tmp_path / "data", source_mirror=None)

    landed = fetch_and_land("un_ideal_points", settings)
    published = ingest("un_ideal_points", settings)

    assert Path(str(landed["path"])).name == "2026-04-03__IdealpointsJuly2025.dta"
    assert dataverse.requests[1] == "/api/access/datafile/13642025?format=original"
    assert Path(str(published["published"])).name.startswith("vintage=2026-04-03__")
    frame = pd.read_parquet(str(published["published"]))
    assert {"2", "710"} <= set(frame["ccode"])  # the US and China
    assert set(frame["vintage_basis"]) == {"listing"}  # the version's release date


def test_the_2026_edition_with_final_passage_estimates_alone_is_read() -> None:
    """Idealpointestimates1946-2025.tab: other case, quantile columns, no all-votes or legacy
    estimates (those come out null)."""
    text = (
        "ccode\tiso3c\tCountryname\tyear\tNVotesFP\tIdealPointFP\tQ5%FP\tQ95%FP\n"
        "2\tUSA\tUnited States\t2025\t80\t2.91\t2.80\t3.02\n"
        "710\tCHN\tChina\t2025\t79\t-1.10\t-1.21\t-0.99\n"
    )
    frame = sources.SOURCES["un_ideal_points"].parse(text.encode(), "2026-04-03__Idealpointestimates1946-2025.tab")

    assert frame["ideal_point_final_passage"].tolist() == [2.91, -1.10]
    assert frame["votes_final_passage"].tolist() == [80, 79]
    assert frame["ideal_point_all"].isna().all()
