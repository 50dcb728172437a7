"""The first steps of an ingest: fetch a source's file, land it, and tell whether it is new.

This is all a night on which nothing changed does for a source, so it imports neither
pandas nor Great Expectations (``pipeline`` parses, gates and publishes what is new).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import urllib.parse
from pathlib import Path

from treasury_warehouse.config import Settings
from treasury_warehouse.errors import FetchError, SourceNotConfigured
from treasury_warehouse.ingest.fetch import fetch, fetch_pages, redacted, source_url
from treasury_warehouse.ingest.landing import Landed, land
from treasury_warehouse.ingest.sources import Source, get_source

log = logging.getLogger(__name__)


def fetch_and_land(name: str, settings: Settings, api_key: str | None = None) -> dict[str, object]:
    """Fetch a source and land it. Keyed APIs need api_key or their environment variable."""
    source = get_source(name)
    if source.api_key_env:
        return _fetch_keyed(source, settings, api_key or os.environ.get(source.api_key_env))
    if source.url is None and not settings.source_mirror:
        raise SourceNotConfigured(
            name,
            source.file_name,
            "public_url",
            "the publisher offers no keyless download URL; set SOURCE_MIRROR to a folder or URL holding "
            f"{source.publisher}/{source.file_name}",
        )
    mirror = settings.source_mirror
    if mirror and "://" not in mirror and not Path(mirror).is_dir():
        raise FetchError(
            name,
            mirror,
            "mirror_exists",
            f"SOURCE_MIRROR={mirror} is not a folder on this machine; inside a container give a URL the"
            " container can reach (e.g. http://host.docker.internal:8000) or leave it empty for the publishers",
        )
    if mirror and source.optional_input and "://" not in mirror:
        mirrored = Path(mirror) / source.publisher / source.file_name
        if not mirrored.exists():
            raise SourceNotConfigured(
                name,
                source.file_name,
                "mirror_file",
                f"the mirror has no {source.publisher}/{source.file_name}: put the publisher's file there, or"
                f" leave SOURCE_MIRROR empty to fetch it from {source.url}",
            )
    url = source_url(source.url or "", source.publisher, source.file_name, settings.source_mirror)
    live = not settings.source_mirror
    landed_name = source.api_file_name if live and source.api_file_name else Path(source.file_name).name
    log.info("fetching %s from %s", name, url)
    try:
        if source.listing and not settings.source_mirror:
            from treasury_warehouse.ingest import listings

            choose = getattr(listings, source.listing.partition(":")[2])
            url, landed_name = choose(fetch(url, name).content, url, name)
            log.info("fetching %s's newest file %s from %s", name, landed_name, url)
        if live and source.pages:
            fetched = fetch_pages(url, name)
        else:
            fetched = fetch(url, name, accept=source.accept if live else None)
    except FetchError as exc:
        if exc.rule == "reachable" and not settings.source_mirror:
            raise FetchError(
                exc.source,
                exc.file,
                exc.rule,
                f"{exc.detail}. No network? Set SOURCE_MIRROR to a folder or URL laid out like the publishers"
                f" ({source.publisher}/{source.file_name}), e.g. SOURCE_MIRROR=../shared/sources make run",
            ) from exc
        raise
    return _landed(name, land(name, landed_name, fetched, settings.raw_dir))


def _fetch_keyed(source: Source, settings: Settings, api_key: str | None) -> dict[str, object]:
    if not api_key:
        raise SourceNotConfigured(
            source.name,
            source.file_name,
            "api_key",
            f"set {source.api_key_env} or the Airflow connection '{source.api_key_connection}' (password = key)",
        )
    separator = "&" if "?" in str(source.url) else "?"
    url = f"{source.url}{separator}{source.api_key_param}={urllib.parse.quote(api_key)}"
    log.info("fetching %s from %s", source.name, redacted(url, urllib.parse.quote(api_key)))
    fetched = fetch(url, source.name, secret=urllib.parse.quote(api_key))
    # APIs echo the request, key included (BEA: BEAAPI.Request.RequestParam USERID): the
    # landed bytes, and so the vintage hash, must not depend on or reveal the key.
    scrubbed = fetched.content.replace(api_key.encode(), b"***")
    scrubbed = scrubbed.replace(urllib.parse.quote(api_key).encode(), b"***")
    fetched = dataclasses.replace(fetched, content=scrubbed)
    return _landed(source.name, land(source.name, source.file_name, fetched, settings.raw_dir))


def _landed(name: str, landed: Landed) -> dict[str, object]:
    log.info(
        "landed %s (%d bytes, sha256 %s, new vintage: %s) at %s",
        name,
        landed.size_bytes,
        landed.sha256,
        landed.is_new,
        landed.path,
    )
    return landed.as_xcom()


# Bump when a parser or suite changes what is published: files published by an earlier
# revision are then parsed and gated again, and replaced, instead of being skipped as unchanged.
# 2: every published file says where its vintage date comes from (vintage_basis).
PIPELINE_REVISION = 2


def is_published(name: str, sha256: str, settings: Settings) -> bool:
    """Whether this landed file has passed the gate and been published by this revision."""
    return any((settings.published_dir / name).glob(f"vintage=*__{sha256[:12]}__r{PIPELINE_REVISION}.parquet"))
