"""Fetch a source file from its publisher or a mirror: HTTP(S), file:// or a plain path.

``PUBLISHER_ORIGIN`` (e.g. ``http://replay.internal:8080``) sends every request meant for
a publisher to that origin instead, the publisher's host as the first path segment
(``https://fred.stlouisfed.org/graph/fredgraph.csv?id=X`` becomes
``<origin>/fred.stlouisfed.org/graph/fredgraph.csv?id=X``): a reverse proxy in front of
the publishers, or a server replaying their releases, answering as the publishers do
(listings, API pages, redirects), unlike ``SOURCE_MIRROR``, which serves files only.
"""

from __future__ import annotations

import json
import logging
import os
import re
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from treasury_warehouse.errors import FetchError

# One fetch attempt: up to HTTP_RETRIES + 1 requests with exponential backoff (0.5, 1, 2 s),
# each waiting at most CONNECT_TIMEOUT_S to connect and READ_TIMEOUT_S between bytes.
# Under Airflow the fetch task retries once more (orchestration.FETCH_RETRIES): the
# whole budget for a source on a night is written in the README.
CONNECT_TIMEOUT_S = 10
READ_TIMEOUT_S = 60
HTTP_RETRIES = 3
RETRY_STATUSES = (500, 502, 503, 504)
# A logger's filters see only records logged on it, not its children's: name each one.
URLLIB3_LOGGERS = ("urllib3.connectionpool", "urllib3.util.retry", "urllib3.connection", "urllib3.response")
USER_AGENT = "treasury-warehouse/0.1 (+https://home.treasury.gov/data/treasury-international-capital-tic-system)"


@dataclass(frozen=True)
class Fetched:
    url: str
    content: bytes
    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    # Microseconds: two vintages of one source landed within a second must still be ordered.
    fetched_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="microseconds"))


def source_url(publisher_url: str, publisher_dir: str, file_name: str, mirror: str | None) -> str:
    """The publisher's URL, or the same file name under the mirror's publisher folder."""
    if not mirror:
        return publisher_url
    if "://" in mirror:
        return f"{mirror.rstrip('/')}/{publisher_dir}/{urllib.parse.quote(file_name)}"
    return str(Path(mirror) / publisher_dir / file_name)


def http_session(retries: int = HTTP_RETRIES, backoff_s: float = 0.5) -> requests.Session:
    """A session that retries connection errors and 5xx with exponential backoff."""
    retry = Retry(
        total=retries,
        connect=retries,
        read=retries,
        status=retries,
        backoff_factor=backoff_s,
        status_forcelist=RETRY_STATUSES,
        allowed_methods=frozenset({"GET"}),
        raise_on_status=False,
        respect_retry_after_header=True,
    )
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


def redacted(url: str, secret: str | None) -> str:
    return url.replace(secret, "***") if secret else url


class _Redact(logging.Filter):
    def __init__(self, secret: str | None) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secret and self.secret in record.getMessage():
            record.msg, record.args = redacted(record.getMessage(), self.secret), ()
        return True


def is_permanent(error: FetchError) -> bool:
    """A failure that retrying will not fix: a 4xx answer, or a mirror file or folder that is not there."""
    return error.rule in {"readable", "mirror_exists"} or (error.status is not None and 400 <= error.status < 500)


def fetch(
    url: str,
    source: str,
    *,
    session: requests.Session | None = None,
    secret: str | None = None,
    accept: str | None = None,
) -> Fetched:
    """Return the bytes behind url (asking for the media type accept, over HTTP); raise
    FetchError naming the source on any failure.

    A secret in the URL (an API key) is replaced by *** in what is returned and raised."""
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme in ("http", "https"):
        redaction = _Redact(secret)
        for logger in URLLIB3_LOGGERS:  # they log request lines and retried URLs, query string included
            logging.getLogger(logger).addFilter(redaction)
        try:
            fetched = _fetch_http(url, source, session or http_session(), accept)
        except FetchError as exc:
            raise FetchError(
                source, redacted(exc.file, secret), exc.rule, redacted(exc.detail, secret), exc.status
            ) from None
        finally:
            for logger in URLLIB3_LOGGERS:
                logging.getLogger(logger).removeFilter(redaction)
        return Fetched(
            redacted(fetched.url, secret), fetched.content, fetched.status, fetched.headers, fetched.fetched_at
        )
    path = Path(urllib.parse.unquote(parsed.path)) if parsed.scheme == "file" else Path(url)
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise FetchError(source, str(path), "readable", f"cannot read the mirror file: {exc.strerror}") from exc
    return Fetched(url=path.as_uri(), content=content, status=None)


def _why(exc: requests.RequestException) -> str:
    """A connection failure in a few words: urllib3's innermost reason, without object reprs."""
    reason = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", None) or reason  # MaxRetryError wraps the cause
    text = re.sub(r"<[^>]*>:?\s*", "", str(reason)).strip()
    return f"{type(reason).__name__}: {text}"[:200]


def routed(url: str) -> str:
    """The URL a publisher's request goes to: through PUBLISHER_ORIGIN when it is set."""
    origin = os.environ.get("PUBLISHER_ORIGIN", "").rstrip("/")
    parts = urllib.parse.urlsplit(url)
    if not origin or url.startswith(origin) or parts.scheme not in ("http", "https"):
        return url
    query = f"?{parts.query}" if parts.query else ""
    return f"{origin}/{parts.netloc}{parts.path}{query}"


def _fetch_http(url: str, source: str, session: requests.Session, accept: str | None = None) -> Fetched:
    headers = {"Accept": accept} if accept else None
    url = routed(url)
    try:
        response = session.get(url, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S), headers=headers)
    except requests.RequestException as exc:
        raise FetchError(source, url, "reachable", f"no response after retries: {_why(exc)}") from exc
    if response.status_code >= 400:
        kind = "client error, not retried" if response.status_code < 500 else "server error after retries"
        raise FetchError(source, url, "http_status", f"HTTP {response.status_code} ({kind})", response.status_code)
    keep = ("Content-Type", "Content-Length", "ETag", "Last-Modified", "Date")
    headers = {k: response.headers[k] for k in keep if k in response.headers}
    return Fetched(url=url, content=response.content, status=response.status_code, headers=headers)


LATEST_RECORD_DATE = "{latest_record_date}"
MAX_PAGES = 1000


def _without_pages(url: str) -> str:
    """The request without its page[...] parameters, to which links.next is appended."""
    parts = urllib.parse.urlsplit(url)
    query = [
        (k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if not k.startswith("page[")
    ]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query, safe=",:[]")))


def _json_page(fetched: Fetched, source: str, number: int) -> dict:
    try:
        document = json.loads(fetched.content)
    except ValueError as exc:
        raise FetchError(source, fetched.url, "json_page", f"page {number} is not JSON: {exc}") from None
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise FetchError(source, fetched.url, "json_page", f"page {number} has no 'data' list")
    return document


def fetch_pages(url: str, source: str, *, session: requests.Session | None = None) -> Fetched:
    """A Fiscal Data API answer with every page: follow ``links.next`` until it is null and
    land one document, ``{"data": [all rows], "meta": ..., "links": {}}``.

    ``{latest_record_date}`` in the URL is first replaced by the newest record date the
    endpoint has (one one-row request, newest first). A first page that is not JSON (an
    HTML error page) is returned as it is, so it is landed and the parser names it."""
    session = session or http_session()
    if LATEST_RECORD_DATE in url:
        base = urllib.parse.urlsplit(url)._replace(query="").geturl()
        probe = _fetch_http(f"{base}?fields=record_date&sort=-record_date&page[size]=1", source, session)
        rows = _json_page(probe, source, 1)["data"]
        if not rows:
            raise FetchError(source, probe.url, "json_page", "the endpoint has no record dates")
        url = url.replace(LATEST_RECORD_DATE, str(rows[0]["record_date"]))
    first = _fetch_http(url, source, session)
    try:
        document = json.loads(first.content)
    except ValueError:
        return first
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        return first
    data, meta, number = list(document["data"]), document.get("meta") or {}, 1
    while (document.get("links") or {}).get("next"):
        number += 1
        if number > MAX_PAGES:
            raise FetchError(source, url, "json_page", f"more than {MAX_PAGES} pages: links.next never ends")
        document = _json_page(
            _fetch_http(_without_pages(url) + document["links"]["next"], source, session), source, number
        )
        data += document["data"]
    total = meta.get("total-count")
    if total is not None and int(total) != len(data):
        raise FetchError(
            source, url, "json_pages", f"meta total-count is {total}, the {number} pages held {len(data)} rows"
        )
    merged = {"data": data, "meta": {**meta, "count": len(data), "pages_fetched": number}, "links": {}}
    content = json.dumps(merged, separators=(",", ":")).encode()
    return Fetched(url=url, content=content, status=first.status, headers=first.headers, fetched_at=first.fetched_at)
