"""IMF official gold from the IMF's data API: a real HTTP server on 127.0.0.1 answers the
SDMX 2.1 data query for dataflow IMF.STA:IL as the API does, SDMX-CSV when the request asks
for it in its Accept header (SDMX-ML otherwise), values in fine troy ounces times 10**SCALE."""

from __future__ import annotations

import dataclasses
import http.server
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from conftest import PublisherHandler, publisher

from treasury_warehouse.config import Settings
from treasury_warehouse.errors import ParseError
from treasury_warehouse.ingest import sources
from treasury_warehouse.ingest.intake import fetch_and_land
from treasury_warehouse.ingest.parsers.gold import parse_imf_gold
from treasury_warehouse.ingest.pipeline import ingest

QUERY = "/external/sdmx/2.1/data/IMF.STA,IL/.RGV_REVS.FTO.Q?startPeriod=1950"
HEAD = "DATAFLOW,COUNTRY,INDICATOR,UNIT,FREQUENCY,TIME_PERIOD,OBS_VALUE,SCALE,OBS_STATUS"
FLOW = "IMF.STA:IL(13.0.1)"
ROWS = [
    ("G001: World", "2025-Q1", "1150.2"),
    ("G001: World", "2025-Q2", "1151.9"),
    ("USA: United States", "2025-Q1", "261.499"),
    ("USA: United States", "2025-Q2", "261.499"),
    ("CHN: China, People's Republic of", "2025-Q1", "73.61"),
    ("CHN: China, People's Republic of", "2025-Q2", "73.90"),
    ("POL: Poland, Republic of", "2025-Q1", "15.82"),
    ("POL: Poland, Republic of", "2025-Q2", ""),  # not reported yet
]


def sdmx_csv(rows=ROWS, scale: str = "6: Millions", head: str = HEAD) -> bytes:
    lines = [head]
    for country, period, value in rows:
        cells = [FLOW, f'"{country}"', "RGV_REVS: Gold reserves (volume)", "FTO: Fine troy ounces", "Q: Quarterly"]
        lines.append(",".join([*cells, period, value, f'"{scale}"', ""]))
    return ("\n".join(lines) + "\n").encode()


class ImfApi(PublisherHandler):
    def answer(self) -> None:
        self.server.accepts.append(self.headers.get("Accept", ""))
        if self.path != QUERY:
            return self.send(404, b"NoResultsFound", "text/plain")
        if "application/vnd.sdmx.data+csv" not in self.headers.get("Accept", ""):
            return self.send(200, b"<?xml version='1.0'?><message:StructureSpecificData/>", "application/xml")
        return self.send(200, self.server.body, "application/vnd.sdmx.data+csv; version=1.0.0")


@pytest.fixture
def imf_api() -> Iterator[http.server.HTTPServer]:
    with publisher(ImfApi, body=sdmx_csv(), accepts=[]) as httpd:
        yield httpd


def test_the_api_answer_is_read_in_ounces_with_the_names_the_marts_use() -> None:
    frame = parse_imf_gold(sdmx_csv(), "imf_il_gold_reserves_quarterly.csv")

    world = frame[frame["country_name"] == "World"].set_index("period_end")["gold_fine_troy_oz"]
    assert world[pd.Timestamp("2025-06-30")] == pytest.approx(1_151_900_000)
    assert set(frame["country_name"]) == {"World", "United States", "China, P.R.: Mainland", "Poland, Republic of"}
    assert len(frame) == 7  # Poland's unreported quarter is no row
    china = frame[frame["country_name"] == "China, P.R.: Mainland"]
    assert china["gold_tonnes"].max() == pytest.approx(73.90e6 / 32_150.7466)


def test_an_answer_without_its_scale_fails_naming_the_rule() -> None:
    head = HEAD.replace("SCALE", "UNIT_NOTE")
    with pytest.raises(ParseError, match=r"imf_gold.*rule 'scale'"):
        parse_imf_gold(sdmx_csv(head=head), "imf_il_gold_reserves_quarterly.csv")


def test_an_answer_for_another_frequency_fails_naming_the_rule() -> None:
    body = sdmx_csv().replace(b"Q: Quarterly", b"M: Monthly")
    with pytest.raises(ParseError, match=r"imf_gold.*rule 'frequency'"):
        parse_imf_gold(body, "imf_il_gold_reserves_quarterly.csv")


def test_the_ingest_asks_for_sdmx_csv_and_publishes_it(
    imf_api, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{imf_api.server_address[1]}{QUERY}"
    monkeypatch.setitem(sources.SOURCES, "imf_gold", dataclasses.replace(sources.SOURCES["imf_gold"], url=url))
    settings = dataclasses.replace(Settings.from_env(), data_dir=tmp_path / "data", source_mirror=None)

    landed = fetch_and_land("imf_gold", settings)
    published = ingest("imf_gold", settings)

    assert imf_api.accepts[0] == sources.SDMX_CSV
    assert Path(str(landed["path"])).name.endswith("imf_il_gold_reserves_quarterly.csv")
    frame = pd.read_parquet(str(published["published"]))
    assert frame["period_end"].max() == pd.Timestamp("2025-06-30")
    united_states = frame.loc[frame["country_name"] == "United States", "gold_fine_troy_oz"]
    assert united_states.iloc[0] == pytest.approx(261_499_000)
