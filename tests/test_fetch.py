"""Fetches against a real HTTP server on 127.0.0.1 (no mock of the client)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from treasury_warehouse.errors import FetchError
from treasury_warehouse.ingest.fetch import fetch, http_session, source_url


class ScriptedHandler(http.server.BaseHTTPRequestHandler):
    """Answers each GET with the next (status, body) of the server's script."""

    def do_GET(self) -> None:
        server = self.server
        server.requests.append(self.path)
        status, body = server.script.pop(0) if server.script else (200, b"final")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", '"v1"')
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[http.server.HTTPServer]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ScriptedHandler)
    httpd.script = []
    httpd.requests = []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def url(server: http.server.HTTPServer, path: str = "/tic/mfhhis01.txt") -> str:
    return f"http://127.0.0.1:{server.server_address[1]}{path}"


def test_ok_returns_bytes_status_and_headers(server) -> None:
    server.script = [(200, b"data")]

    fetched = fetch(url(server), "tic_mfh", session=http_session(backoff_s=0))

    assert (fetched.content, fetched.status, fetched.headers["ETag"]) == (b"data", 200, '"v1"')


def test_server_errors_are_retried_then_succeed(server) -> None:
    server.script = [(503, b"busy"), (502, b"bad gateway"), (200, b"data")]

    fetched = fetch(url(server), "tic_mfh", session=http_session(backoff_s=0))

    assert fetched.content == b"data"
    assert len(server.requests) == 3


def test_persistent_server_error_fails_after_retries(server) -> None:
    server.script = [(500, b"down")] * 10

    with pytest.raises(FetchError) as failure:
        fetch(url(server), "tic_mfh", session=http_session(retries=2, backoff_s=0))

    assert failure.value.rule == "http_status"
    assert "HTTP 500" in str(failure.value)
    assert len(server.requests) == 3


def test_client_error_fails_at_once_naming_source_and_url(server) -> None:
    server.script = [(404, b"not found")]

    with pytest.raises(FetchError) as failure:
        fetch(url(server), "tic_mfh", session=http_session(backoff_s=0))

    assert len(server.requests) == 1
    assert "[tic_mfh]" in str(failure.value)
    assert "/tic/mfhhis01.txt" in str(failure.value)
    assert "HTTP 404" in str(failure.value)


def test_connection_refused_is_a_fetch_error() -> None:
    with pytest.raises(FetchError) as failure:
        fetch("http://127.0.0.1:9/tic/mfhhis01.txt", "tic_mfh", session=http_session(retries=1, backoff_s=0))

    assert failure.value.rule == "reachable"


def test_mirror_paths_and_file_urls(tmp_path: Path) -> None:
    (tmp_path / "tic").mkdir()
    (tmp_path / "tic" / "mfhhis01.txt").write_bytes(b"mirror")

    assert source_url("https://publisher/x.txt", "tic", "mfhhis01.txt", None) == "https://publisher/x.txt"
    plain = source_url("https://publisher/x.txt", "tic", "mfhhis01.txt", str(tmp_path))
    as_uri = source_url("https://publisher/x.txt", "tic", "mfhhis01.txt", tmp_path.as_uri())
    assert fetch(plain, "tic_mfh").content == b"mirror"
    assert fetch(as_uri, "tic_mfh").content == b"mirror"
    assert source_url("", "tic", "a b.txt", "http://127.0.0.1:1/m/") == "http://127.0.0.1:1/m/tic/a%20b.txt"


def test_missing_mirror_file_names_the_path(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match="cannot read the mirror file"):
        fetch(str(tmp_path / "tic" / "absent.txt"), "tic_mfh")


def test_permanent_and_transient_errors_are_told_apart(server, tmp_path: Path) -> None:
    from treasury_warehouse.ingest.fetch import is_permanent

    server.script = [(404, b"not found")]
    with pytest.raises(FetchError) as missing:
        fetch(url(server), "tic_mfh", session=http_session(backoff_s=0))
    server.script = [(503, b"busy")] * 10
    with pytest.raises(FetchError) as busy:
        fetch(url(server), "tic_mfh", session=http_session(retries=1, backoff_s=0))
    with pytest.raises(FetchError) as refused:
        fetch("http://127.0.0.1:9/tic/mfhhis01.txt", "tic_mfh", session=http_session(retries=0, backoff_s=0))
    with pytest.raises(FetchError) as absent:
        fetch(str(tmp_path / "tic" / "absent.txt"), "tic_mfh")

    assert is_permanent(missing.value)
    assert is_permanent(absent.value)
    assert not is_permanent(busy.value)
    assert not is_permanent(refused.value)


def test_an_unreachable_publisher_names_the_url_and_source_mirror(tmp_path: Path) -> None:
    import dataclasses

    from treasury_warehouse.config import Settings
    from treasury_warehouse.ingest.intake import fetch_and_land
    from treasury_warehouse.ingest.sources import SOURCES

    source = dataclasses.replace(SOURCES["tic_mfh"], url="http://127.0.0.1:9/tic/mfhhis01.txt")
    settings = dataclasses.replace(Settings.from_env(), data_dir=tmp_path, source_mirror=None)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(SOURCES, "tic_mfh", source)
        with pytest.raises(FetchError) as failure:
            fetch_and_land("tic_mfh", settings)

    message = str(failure.value)
    assert "http://127.0.0.1:9/tic/mfhhis01.txt" in message
    assert "SOURCE_MIRROR" in message


def test_a_mirror_folder_that_is_not_there_is_named_at_once(tmp_path: Path) -> None:
    import dataclasses

    from treasury_warehouse.config import Settings
    from treasury_warehouse.ingest.fetch import is_permanent
    from treasury_warehouse.ingest.intake import fetch_and_land

    # As in a container given the host's path: the folder is not there.
    settings = dataclasses.replace(Settings.from_env(), data_dir=tmp_path, source_mirror="../shared/sources-on-host")
    with pytest.raises(
        FetchError, match=r"rule 'mirror_exists' failed: SOURCE_MIRROR=\.\./shared/sources-on-host"
    ) as failure:
        fetch_and_land("tic_mfh", settings)
    assert "give a URL" in str(failure.value)
    assert is_permanent(failure.value)
