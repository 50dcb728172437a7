"""Fetch a source file from its publisher or a mirror: HTTP(S), file:// or a plain path."""

from __future__ import annotations

import logging
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
    fetched_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


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
    """A failure that retrying will not fix: a 4xx answer, or a mirror file that is not there."""
    return error.rule == "readable" or (error.rule == "http_status" and "client error" in error.detail)


def fetch(url: str, source: str, *, session: requests.Session | None = None, secret: str | None = None) -> Fetched:
    """Return the bytes behind url; raise FetchError naming the source on any failure.

    A secret in the URL (an API key) is replaced by *** in what is returned and raised."""
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme in ("http", "https"):
        redaction = _Redact(secret)
        for logger in URLLIB3_LOGGERS:  # they log request lines and retried URLs, query string included
            logging.getLogger(logger).addFilter(redaction)
        try:
            fetched = _fetch_http(url, source, session or http_session())
        except FetchError as exc:
            raise FetchError(source, redacted(exc.file, secret), exc.rule, redacted(exc.detail, secret)) from None
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


def _fetch_http(url: str, source: str, session: requests.Session) -> Fetched:
    try:
        response = session.get(url, timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S))
    except requests.RequestException as exc:
        raise FetchError(source, url, "reachable", f"no response after retries: {exc}") from exc
    if response.status_code >= 400:
        kind = "client error, not retried" if response.status_code < 500 else "server error after retries"
        raise FetchError(source, url, "http_status", f"HTTP {response.status_code} ({kind})")
    keep = ("Content-Type", "Content-Length", "ETag", "Last-Modified", "Date")
    headers = {k: response.headers[k] for k in keep if k in response.headers}
    return Fetched(url=url, content=response.content, status=response.status_code, headers=headers)
