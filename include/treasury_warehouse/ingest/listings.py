"""The newest file of a publisher that lists its releases as files of one record.

Each function takes the listing's bytes and URL and returns the newest file's URL and
name; a listing that is not what the publisher documents (an HTML challenge page, no
matching file) raises FetchError naming the source, the listing and the rule."""

from __future__ import annotations

import json
import re
import urllib.parse
from datetime import date

from treasury_warehouse.errors import FetchError

# UN Digital Library, record 4060887: "2024_09_12_ga_resolutions_voting", "2025_7_23_ga_voting",
# "2025_03_31_ga_voting_corr1", "2026_02_06_ga_voting" (months and days not always padded).
UNDL_GA_VOTING = re.compile(r"(\d{4})_(\d{1,2})_(\d{1,2})_ga(?:_resolutions)?_voting(?:_corr(\d+))?")


def undl_ga_voting(content: bytes, url: str, source: str = "un_votes_undl") -> tuple[str, str]:
    """The newest General Assembly voting CSV of the record's file list (``/api/v1/file?recid=``:
    a JSON array of ``{"name", "format", "url", ...}``): the latest date in the name, then
    the highest correction."""
    try:
        files = json.loads(content)
    except ValueError:
        start = content[:80].decode("utf-8", "replace").strip()
        raise FetchError(source, url, "listing", f"the file list is not JSON (a challenge page?): {start!r}") from None
    if not isinstance(files, list):
        raise FetchError(source, url, "listing", f"the file list is a {type(files).__name__}, not a JSON array")
    found = []
    for item in files:
        if not isinstance(item, dict) or str(item.get("format", "")).lower() != ".csv":
            continue
        name = str(item.get("name", ""))
        match = UNDL_GA_VOTING.fullmatch(name)
        if match is None or not item.get("url"):
            continue
        year, month, day, correction = match.groups()
        try:
            released = date(int(year), int(month), int(day))
        except ValueError:
            continue
        found.append((released, int(correction or 0), urllib.parse.urljoin(url, str(item["url"])), f"{name}.csv"))
    if not found:
        names = sorted(str(item.get("name")) for item in files if isinstance(item, dict))[:8]
        raise FetchError(source, url, "listing", f"no <date>_ga_voting CSV among the record's files: {names}")
    _, _, newest_url, newest_name = max(found)
    return newest_url, newest_name


def release_date(file_name: str) -> date | None:
    """The release date a UN Digital Library file name carries, if any."""
    match = UNDL_GA_VOTING.match(file_name)
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


# Harvard Dataverse: Voeten's "United Nations General Assembly Voting Data" (doi:10.7910/DVN/LEJUQZ).
# Ideal points have been published as IdealpointsJuly2025.dta, IdealpointestimatesAll_Jun2024.csv,
# Idealpointestimates1946-2025.tab (ingested: the .tab is Dataverse's copy, the original kept).
IDEAL_POINTS = re.compile(r"idealpoint(?:s|estimates)[^/]*\.(?:dta|csv|tab)", re.IGNORECASE)


def dataverse_ideal_points(content: bytes, url: str, source: str = "un_ideal_points") -> tuple[str, str]:
    """The ideal-point file of the dataset's latest published version, from Dataverse's native
    API (``/api/datasets/:persistentId/?persistentId=doi:...``: ``data.latestVersion.files[]``).
    Downloaded by id from ``/api/access/datafile/{id}``, as uploaded (``format=original``)
    when Dataverse ingested it as a table. Landed as ``<release date>__<file name>``: the
    version's release date is the vintage, so a new version is a new vintage."""
    try:
        document = json.loads(content)
        version = document["data"]["latestVersion"]
        files = version["files"]
    except (ValueError, KeyError, TypeError):
        start = content[:80].decode("utf-8", "replace").strip()
        raise FetchError(source, url, "listing", f"not a Dataverse dataset answer: {start!r}") from None
    chosen = []
    for entry in files:
        data_file = entry.get("dataFile") or {}
        name = str(data_file.get("originalFileName") or data_file.get("filename") or entry.get("label") or "")
        if IDEAL_POINTS.fullmatch(name) and data_file.get("id") is not None:
            chosen.append((name, data_file))
    if len(chosen) != 1:
        names = sorted(str((e.get("dataFile") or {}).get("filename")) for e in files)[:10]
        found = "no" if not chosen else f"{len(chosen)}"
        raise FetchError(source, url, "listing", f"{found} ideal-point files in the latest version: {names}")
    name, data_file = chosen[0]
    original = "?format=original" if data_file.get("tabularData") and data_file.get("originalFileName") else ""
    released = str(version.get("releaseTime") or version.get("lastUpdateTime") or "")[:10]
    try:
        stamp = date.fromisoformat(released).isoformat()
    except ValueError:
        raise FetchError(source, url, "listing", f"the latest version has no release date: {released!r}") from None
    return urllib.parse.urljoin(url, f"/api/access/datafile/{data_file['id']}{original}"), f"{stamp}__{name}"


RELEASE_PREFIX = re.compile(r"(\d{4}-\d{2}-\d{2})__")


def listed_release(file_name: str) -> date | None:
    """The release date a listing put before a landed file's name (``2026-04-03__...``)."""
    match = RELEASE_PREFIX.match(file_name)
    return date.fromisoformat(match.group(1)) if match else None


# Brookings' page for the External Wealth of Nations database links each edition's workbook
# under wp-content/uploads/<year>/<month>/ (EWN-dataset_12-2022.xlsx,
# EWN-dataset-year-end-2024_2.27.26.xlsx): names vary, the upload folder dates them.
EWN_LINK = re.compile(
    r"""(?:href|src)=["']([^"']*/wp-content/uploads/(\d{4})/(\d{2})/(EWN[^"'/]*\.xlsx))["']""", re.IGNORECASE
)


def brookings_ewn(content: bytes, url: str, source: str = "ewn") -> tuple[str, str]:
    """The newest EWN workbook the Brookings page links: the latest upload month, then the
    last link in the page's order. Landed as ``<upload month's first day>__<file name>``."""
    page = content.decode("utf-8", "replace")
    links = [(int(y), int(m), i, link, name) for i, (link, y, m, name) in enumerate(EWN_LINK.findall(page))]
    if not links:
        start = " ".join(page[:120].split())
        raise FetchError(source, url, "listing", f"the page links no EWN workbook (.xlsx): {start!r}")
    year, month, _, link, name = max(links)
    return urllib.parse.urljoin(url, link), f"{date(year, month, 1).isoformat()}__{name}"
