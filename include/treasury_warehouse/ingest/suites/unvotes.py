"""Expectations for UN General Assembly roll calls, votes and ideal points."""

from __future__ import annotations

import great_expectations.expectations as gxe
import pandas as pd

from treasury_warehouse.ingest.parsers.unvotes import ROLL_CALL_COLUMNS, VOTE_CODES, VOTE_COLUMNS
from treasury_warehouse.ingest.quality import Check
from treasury_warehouse.ingest.suites.common import anchors, duplicate_keys, has_columns, table_shape

MAX_MEMBERS = 200  # 193 members today; a roll call with more votes holds duplicates
VOTE_VALUES = sorted(VOTE_CODES)
VOETEN_EXTRA = ["session", "vote_date", "vote_year", "resolution", "is_important_vote"]


def _per_roll_call(frame: pd.DataFrame) -> Check:
    counts = frame.groupby("rcid").size().rename("votes").reset_index()
    return Check(
        "roll_call_sizes",
        counts,
        [gxe.ExpectColumnValuesToBeBetween(column="votes", min_value=1, max_value=MAX_MEMBERS)],
        index_columns=["rcid"],
    )


def _votes(frame: pd.DataFrame, columns: list[str], key: list[str], us_code: str) -> list[Check]:
    rows = [
        *table_shape(columns, key, unique=False),
        gxe.ExpectColumnValuesToBeInSet(column="vote", value_set=VOTE_VALUES),
    ]
    votes = Check("votes", frame, rows, index_columns=[c for c in key if c in frame.columns])
    if not has_columns(frame, columns):
        return [votes]
    return [votes, duplicate_keys(frame, key), _per_roll_call(frame), anchors(frame, "country_code", [us_code])]


def checks_votes(frame: pd.DataFrame) -> list[Check]:
    # Three historical members (Yemen Arab Republic, Zanzibar, West Germany) have no ISO2 code.
    return _votes(frame, [*VOTE_COLUMNS, "vintage"], ["rcid", "country_name"], us_code="US")


def checks_voeten_votes(frame: pd.DataFrame) -> list[Check]:
    checks = _votes(frame, [*VOTE_COLUMNS, *VOETEN_EXTRA, "vintage"], ["rcid", "country_code"], us_code="2")
    checks[0].expectations += [
        gxe.ExpectColumnValuesToNotBeNull(column="vote_date", mostly=0.999),
        gxe.ExpectColumnValuesToBeBetween(column="vote_year", min_value=1946, max_value=2100),
    ]
    return checks


def checks_undl_votes(frame: pd.DataFrame) -> list[Check]:
    return _votes(frame, [*VOTE_COLUMNS, *VOETEN_EXTRA, "vintage"], ["rcid", "country_code"], us_code="USA")


def checks_roll_calls(frame: pd.DataFrame) -> list[Check]:
    return [
        Check(
            "roll_calls",
            frame,
            [
                *table_shape([*ROLL_CALL_COLUMNS, "vintage"], ["rcid"]),
                gxe.ExpectColumnValuesToNotBeNull(column="vote_date"),
                gxe.ExpectColumnValuesToBeBetween(column="session", min_value=1, max_value=200),
            ],
            index_columns=["rcid"],
        )
    ]


def checks_ideal_points(frame: pd.DataFrame) -> list[Check]:
    key = ["ccode", "year"]
    columns = [
        "ccode",
        "iso3c",
        "country_name",
        "year",
        "ideal_point_final_passage",
        "ideal_point_all",
        "ideal_point_legacy",
        "votes_final_passage",
        "votes_all",
        "vintage",
    ]
    return [
        Check(
            "ideal_points",
            frame,
            [
                *table_shape(columns, key),
                gxe.ExpectColumnValuesToBeBetween(column="year", min_value=1946, max_value=2100),
                *[
                    gxe.ExpectColumnValuesToBeBetween(column=c, min_value=-6, max_value=6)
                    for c in ["ideal_point_final_passage", "ideal_point_all", "ideal_point_legacy"]
                ],
            ],
            index_columns=[c for c in key if c in frame.columns],
        ),
        anchors(frame, "ccode", ["2", "710", "20"]),  # United States, China, Canada
    ]
