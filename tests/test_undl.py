"""The UN Digital Library's General Assembly voting data, served by a real HTTP server on
127.0.0.1 in the catalogue's documented shapes: the record's file list (``/api/v1/file?recid=``,
a JSON array of name, format and url) and each release as a CSV whose name carries its date.
The ingest chooses the newest release from the list, lands it under its own name, and its
vintage is the date in that name."""

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
from treasury_warehouse.errors import FetchError, SourceNotConfigured
from treasury_warehouse.ingest import listings, sources
from treasury_warehouse.ingest.intake import fetch_and_land
from treasury_warehouse.ingest.pipeline import ingest

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "mirror" / "unvotes" / "undl" / "ga_voting.csv"
RECORD = "4060887"


class DigitalLibrary(PublisherHandler):
    """GET /api/v1/file?recid=4060887 (the list) and /record/4060887/files/<name> (a file)."""

    def answer(self) -> None:
        server = self.server
        if self.path.startswith(f"/api/v1/file?recid={RECORD}"):
            body = server.listing if isinstance(server.listing, bytes) else json.dumps(server.listing).encode()
            kind = "text/html" if body.lstrip().startswith(b"<") else "application/json"
            return self.send(200, body, kind)
        prefix = f"/record/{RECORD}/files/"
        if self.path.startswith(prefix) and self.path[len(prefix) :] in server.files:
            return self.send(200, server.files[self.path[len(prefix) :]], "text/csv")
        return self.send(404, b"not found", "text/plain")


def entry(name: str, fmt: str = ".csv", url: str | None = None) -> dict:
    return {"name": name, "format": fmt, "url": url or f"/record/{RECORD}/files/{name}{fmt}", "size": 1}


@pytest.fixture
def library() -> Iterator[http.server.HTTPServer]:
    older = FIXTURE.read_bytes()
    listing = [
        entry("2025_9_19_ga_voting"),
        entry("2025_09_19_ga_voting_md", ".md"),
        entry("2026_02_06_ga_voting"),
        entry("2026_02_06_ga_voting_md", ".md"),
    ]
    files = {"2025_9_19_ga_voting.csv": older, "2026_02_06_ga_voting.csv": older}
    with publisher(DigitalLibrary, listing=listing, files=files) as httpd:
        yield httpd


def live(library: http.server.HTTPServer, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    url = f"http://127.0.0.1:{library.server_address[1]}/api/v1/file?recid={RECORD}"
    monkeypatch.setitem(
        sources.SOURCES, "un_votes_undl", dataclasses.replace(sources.SOURCES["un_votes_undl"], url=url)
    )
    return dataclasses.replace(Settings.from_env(), data_dir=tmp_path / "data", source_mirror=None)


def test_the_newest_release_is_chosen_by_the_date_in_its_name() -> None:
    files = [
        entry("2025_9_19_ga_voting"),  # 9 < 10 as numbers, though "9" > "1" as text
        entry("2025_10_2_ga_voting"),
        entry("2024_09_12_ga_resolutions_voting"),
        entry("2025_10_2_ga_voting_corr1"),
        entry("2025_12_31_ga_voting", ".pdf"),
        entry("2026_01_05_sc_voting"),
    ]
    url, name = listings.undl_ga_voting(json.dumps(files).encode(), "https://digitallibrary.un.org/api/v1/file?recid=1")
    assert name == "2025_10_2_ga_voting_corr1.csv"
    assert url == "https://digitallibrary.un.org/record/4060887/files/2025_10_2_ga_voting_corr1.csv"
    assert str(listings.release_date(name)) == "2025-10-02"


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        (b"<html><title>Human Verification</title></html>", "not JSON (a challenge page?)"),
        (b'{"files": []}', "a dict, not a JSON array"),
        (json.dumps([entry("2026_02_06_sc_voting"), entry("readme", ".md")]).encode(), "no <date>_ga_voting CSV"),
    ],
)
def test_a_listing_not_in_the_documented_shape_fails_naming_the_rule(body: bytes, detail: str) -> None:
    with pytest.raises(FetchError, match="rule 'listing'") as failure:
        listings.undl_ga_voting(body, "https://digitallibrary.un.org/api/v1/file?recid=4060887")
    assert detail in str(failure.value)
    assert "un_votes_undl" in str(failure.value)


def test_the_ingest_lands_the_newest_release_under_its_name_and_dates_the_vintage_by_it(
    library, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    settings = live(library, monkeypatch, tmp_path)

    landed = fetch_and_land("un_votes_undl", settings)
    published = ingest("un_votes_undl", settings)

    assert Path(str(landed["path"])).name == "2026_02_06_ga_voting.csv"
    assert library.requests[:2] == [f"/api/v1/file?recid={RECORD}", f"/record/{RECORD}/files/2026_02_06_ga_voting.csv"]
    assert Path(str(published["published"])).name.startswith("vintage=2026-02-06__")
    frame = pd.read_parquet(str(published["published"]))
    assert frame["rcid"].nunique() == 10
    assert frame.loc[frame["country_code"] == "MEX", "vote"].value_counts()["absent"] == 1
    assert frame["session"].isna().sum() == 4  # the emergency special session's roll call
    assert set(frame["vintage_basis"]) == {"file"}  # the date in the file's name


def test_a_challenge_page_instead_of_the_list_fails_and_lands_nothing(
    library, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    library.listing = b"<!DOCTYPE html><html><body>Please verify you are a human</body></html>"
    settings = live(library, monkeypatch, tmp_path)

    with pytest.raises(FetchError, match=r"un_votes_undl.*rule 'listing'"):
        fetch_and_land("un_votes_undl", settings)
    assert not (settings.raw_dir / "un_votes_undl").exists()


def test_a_mirror_folder_without_the_file_skips_the_source_saying_what_to_put_there(tmp_path: Path) -> None:
    (tmp_path / "mirror").mkdir()
    settings = dataclasses.replace(
        Settings.from_env(), data_dir=tmp_path / "data", source_mirror=str(tmp_path / "mirror")
    )

    with pytest.raises(SourceNotConfigured, match=r"rule 'mirror_file'.*unvotes/undl/ga_voting.csv"):
        fetch_and_land("un_votes_undl", settings)


def test_a_file_without_a_release_stamp_is_dated_by_last_modified_or_else_left_undated(
    mirror_server, tmp_path: Path
) -> None:
    """FRED's CSV has no release stamp: from a server that sends Last-Modified the vintage is
    that day (a release date); read from a folder, only the landing day is known."""
    import os

    from treasury_warehouse.ingest.pipeline import parse_landed

    served = mirror_server.root / "niip" / "FDHBFIN.csv"
    os.utime(served, (1_700_000_000, 1_700_000_000))  # 2023-11-14
    over_http = dataclasses.replace(Settings.from_env(), data_dir=tmp_path / "a", source_mirror=mirror_server.url)
    parsed = parse_landed("fred_fdhbfin", str(fetch_and_land("fred_fdhbfin", over_http)["path"]), over_http)
    assert (parsed["vintage"], parsed["vintage_basis"]) == ("2023-11-14", "last_modified")

    folder = str(Path(__file__).resolve().parent / "fixtures" / "mirror")
    from_folder = dataclasses.replace(Settings.from_env(), data_dir=tmp_path / "b", source_mirror=folder)
    parsed = parse_landed("fred_fdhbfin", str(fetch_and_land("fred_fdhbfin", from_folder)["path"]), from_folder)
    assert parsed["vintage_basis"] == "landed"
