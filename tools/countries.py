"""Writes the ISO 3166 country seed of the dbt project from pycountry.

    python -m tools.countries   # rewrites dbt_project/seeds/iso_countries.csv

The seed is committed; regenerate it when pycountry (in requirements-dev.txt) is
upgraded. Names the publishers use that ISO does not (TIC's "China, Mainland", the
IMF's "China, P.R.: Mainland", ...) are mapped in seeds/country_name_overrides.csv.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from treasury_warehouse.config import PROJECT_ROOT

SEED = PROJECT_ROOT / "dbt_project" / "seeds" / "iso_countries.csv"
COLUMNS = ["iso3", "iso2", "iso_numeric", "name", "common_name", "official_name"]


def rows() -> list[dict[str, str]]:
    import pycountry

    return sorted(
        (
            {
                "iso3": country.alpha_3,
                "iso2": country.alpha_2,
                "iso_numeric": country.numeric,
                "name": country.name,
                "common_name": getattr(country, "common_name", ""),
                "official_name": getattr(country, "official_name", ""),
            }
            for country in pycountry.countries
        ),
        key=lambda row: row["iso3"],
    )


def write(path: Path = SEED) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    table = rows()
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(table)
    return len(table)


if __name__ == "__main__":
    print(f"wrote {write()} countries to {SEED}", file=sys.stderr)
