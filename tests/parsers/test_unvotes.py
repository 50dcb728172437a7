from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from treasury_warehouse.errors import ParseError
from treasury_warehouse.ingest.parsers import unvotes

DERIVED = Path("unvotes") / "derived_csv"


def test_unvotes_layout(fixture_mirror: Path) -> None:
    calls = unvotes.parse_roll_calls((fixture_mirror / DERIVED / "un_roll_calls.csv.gz").read_bytes())
    votes = unvotes.parse_votes((fixture_mirror / DERIVED / "un_votes.csv.gz").read_bytes())

    assert calls.set_index("rcid").loc["5002", ["session", "is_important_vote", "is_paragraph"]].tolist() == [
        70,
        True,
        True,
    ]
    assert calls["vote_date"].min() == pd.Timestamp("2015-12-01")
    china = votes[(votes["rcid"] == "5002") & (votes["country_code"] == "CN")].iloc[0]
    assert (china["vote"], china["vote_code"], china["code_system"]) == ("no", 3, "iso2")


def test_voeten_layout_keeps_absent_and_codes(fixture_mirror: Path) -> None:
    votes = unvotes.parse_voeten_votes((fixture_mirror / DERIVED / "UNVotesPublished_x.csv.gz").read_bytes())

    canada = votes[(votes["rcid"] == "5003") & (votes["country_code"] == "20")].iloc[0]
    assert (canada["vote"], canada["vote_code"], canada["code_system"]) == ("absent", 8, "cow")
    assert votes["vote_date"].max() == pd.Timestamp("2016-11-01")
    assert votes.groupby("rcid").size().to_dict() == {"5001": 4, "5002": 4, "5003": 5}


def test_undl_layout_from_its_documented_columns() -> None:
    text = (
        "undl_id,ms_code,ms_name,ms_vote,date,session,resolution,draft,committee_report,meeting,title\n"
        "4071234,USA,UNITED STATES,N,2024-12-18,79,A/RES/79/100,A/79/L.1,,A/79/PV.50,Title\n"
        "4071234,CHN,CHINA,Y,2024-12-18,79,A/RES/79/100,A/79/L.1,,A/79/PV.50,Title\n"
        "4071234,MEX,MEXICO,A,2024-12-18,79,A/RES/79/100,A/79/L.1,,A/79/PV.50,Title\n"
        "4071234,AUS,AUSTRALIA,X,2024-12-18,79,A/RES/79/100,A/79/L.1,,A/79/PV.50,Title\n"
    )
    votes = unvotes.parse_undl_votes(text.encode())

    assert votes["vote"].tolist() == ["no", "yes", "abstain", "absent"]
    assert votes["vote_code"].tolist() == [3, 1, 2, 8]
    assert set(votes["code_system"]) == {"iso3"}
    assert votes["vote_year"].tolist() == [2024] * 4


def test_ideal_points_from_stata_and_csv(fixture_mirror: Path) -> None:
    dta = unvotes.parse_ideal_points(
        (fixture_mirror / "unvotes" / "voeten_ideal_points" / "IdealpointsJuly2025.dta").read_bytes(),
        "IdealpointsJuly2025.dta",
    )
    csv = unvotes.parse_ideal_points(
        dta.rename(
            columns={
                "ideal_point_final_passage": "idealpointfp",
                "ideal_point_all": "idealpointall",
                "ideal_point_legacy": "idealpointlegacy",
                "votes_final_passage": "nvotesfp",
                "votes_all": "nvotesall",
                "country_name": "countryname",
            }
        )
        .to_csv(index=False)
        .encode(),
        "Idealpoints.csv",
    )

    us = dta[(dta["ccode"] == "2") & (dta["year"] == 2016)].iloc[0]
    assert round(us["ideal_point_final_passage"], 6) == 3.0
    assert dta.loc[dta["ccode"] == "260", "iso3c"].isna().all()  # legacy-only rows carry no ISO3
    pd.testing.assert_frame_equal(csv, dta, check_dtype=False)


@pytest.mark.parametrize(
    ("parser", "content", "rule"),
    [
        (unvotes.parse_votes, b"rcid,country,country_code,vote\n1,Canada,CA,maybe\n", "vote_values"),
        (unvotes.parse_votes, b"rcid,country,vote\n1,Canada,yes\n", "columns"),
        (
            unvotes.parse_voeten_votes,
            b"rcid,session,vote,ccode,importantvote,date,unres\n1,1,4,20,0,1/1/1946,R\n",
            "vote_values",
        ),
        (
            unvotes.parse_roll_calls,
            b"rcid,session,importantvote,date,unres,amend,para,short,descr\nx,1,0,1946-01-01,R,0,0,s,d\n",
            "integer",
        ),
        (unvotes.parse_votes, gzip.compress(b"rcid,country,country_code,vote\n" * 50, mtime=0)[:40], "compression"),
        (unvotes.parse_votes, b"<html><head><title>Dataverse</title></head></html>", "not_html"),
        (unvotes.parse_ideal_points, b"\x72\x02 not really stata", "stata"),
    ],
)
def test_malformed(parser, content: bytes, rule: str) -> None:
    with pytest.raises(ParseError) as failure:
        parser(content, "file.dta" if parser is unvotes.parse_ideal_points else "file.csv")
    assert failure.value.rule == rule


def test_real_files(shared_sources: Path) -> None:
    votes = unvotes.parse_votes((shared_sources / DERIVED / "un_votes.csv.gz").read_bytes())
    assert len(votes) == 870_109
    assert votes[votes["rcid"] == "3"]["vote"].value_counts().to_dict() == {"yes": 29, "no": 18, "abstain": 4}

    calls = unvotes.parse_roll_calls((shared_sources / DERIVED / "un_roll_calls.csv.gz").read_bytes())
    assert len(calls) == 6_203
    assert calls["vote_date"].max() == pd.Timestamp("2020-01-14")

    voeten = unvotes.parse_voeten_votes((shared_sources / DERIVED / "UNVotesPublished_x.csv.gz").read_bytes())
    assert voeten["vote_code"].value_counts().to_dict() == {1: 588_800, 9: 254_521, 2: 95_099, 8: 73_328, 3: 54_865}

    ideal = unvotes.parse_ideal_points(
        (shared_sources / "unvotes" / "voeten_ideal_points" / "IdealpointsJuly2025.dta").read_bytes(),
        "IdealpointsJuly2025.dta",
    )
    assert len(ideal) == 11_440
    assert ideal["ccode"].nunique() == 199
    us_2024 = ideal[(ideal["ccode"] == "2") & (ideal["year"] == 2024)].iloc[0]
    assert round(us_2024["ideal_point_final_passage"], 4) == 2.2062


def test_r_data_files_read_like_their_csv_exports(fixture_mirror: Path) -> None:
    package = fixture_mirror / "unvotes" / "unvotes_r_package"
    pairs = [
        (unvotes.parse_roll_calls, package / "un_roll_calls.rda", DERIVED / "un_roll_calls.csv.gz"),
        (unvotes.parse_votes, package / "un_votes.rda", DERIVED / "un_votes.csv.gz"),
        (
            unvotes.parse_voeten_votes,
            fixture_mirror / "unvotes" / "voeten_unvotes_2016" / "UNVotesPublished.RData",
            DERIVED / "UNVotesPublished_x.csv.gz",
        ),
    ]
    for parser, r_file, csv_file in pairs:
        from_r = parser(r_file.read_bytes(), r_file.name)
        from_csv = parser((fixture_mirror / csv_file).read_bytes(), csv_file.name)
        pd.testing.assert_frame_equal(from_r, from_csv, check_dtype=False)


def test_truncated_r_data_is_refused(fixture_mirror: Path) -> None:
    content = (fixture_mirror / "unvotes" / "unvotes_r_package" / "un_votes.rda").read_bytes()
    with pytest.raises(ParseError) as failure:
        unvotes.parse_votes(content[: len(content) // 2], "un_votes.rda")
    assert failure.value.rule == "compression"


def test_real_r_data_files(shared_sources: Path) -> None:
    package = shared_sources / "unvotes" / "unvotes_r_package"
    calls = unvotes.parse_roll_calls((package / "un_roll_calls.rda").read_bytes(), "un_roll_calls.rda")
    assert len(calls) == 6_203
    votes = unvotes.parse_votes((package / "un_votes.rda").read_bytes(), "un_votes.rda")
    assert len(votes) == 870_109
    assert votes[votes["rcid"] == "3"]["vote"].value_counts().to_dict() == {"yes": 29, "no": 18, "abstain": 4}
    voeten = unvotes.parse_voeten_votes(
        (shared_sources / "unvotes" / "voeten_unvotes_2016" / "UNVotesPublished.RData").read_bytes(), "x.RData"
    )
    assert voeten["vote_code"].value_counts().to_dict() == {1: 588_800, 9: 254_521, 2: 95_099, 8: 73_328, 3: 54_865}


def test_unused_vote_categories_are_removed_as_pandas_removes_them() -> None:
    """An R factor keeps its levels in a file that uses some of them; the parser drops the
    unused ones without pandas' inverse index of one int64 per row."""
    votes = pd.Series(pd.Categorical(["yes", None, "no", "yes"], categories=["abstain", "no", "yes", "absent"]))

    kept = unvotes._without_unused(votes)

    assert kept.cat.categories.tolist() == ["no", "yes"]
    assert kept.equals(votes.cat.remove_unused_categories())
    assert unvotes._without_unused(kept) is kept
