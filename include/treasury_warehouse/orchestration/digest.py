"""The nightly digest: what the published build brings (``report.rpt_what_changed``, the
report's "What changed"), sent once through the Airflow connection ``warehouse_digest``: an
http(s) connection is a chat webhook (a JSON ``{"text": ...}`` POST, as Slack, Teams and
Mattermost take), an smtp connection an e-mail (``extra``: ``to``, ``from``, ``starttls``).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from treasury_warehouse.config import Settings

log = logging.getLogger(__name__)

CONNECTION_ID = "warehouse_digest"
DIGEST_FILE = "digest.json"


def lines(warehouse_path: Path) -> list[str]:
    """A build's digest, from report.rpt_what_changed (the report's "What changed")."""
    import duckdb

    with duckdb.connect(str(warehouse_path), read_only=True) as con:
        query = "select sentence from report.rpt_what_changed order by sentence_order, sentence"
        return [row[0] for row in con.execute(query).fetchall()]


def deliver(settings: Settings, channel: Channel | None) -> str:
    """Send the published build's digest once: a record beside the build (``digest.json``)
    says it went, so a re-run sends nothing twice; a delivery that fails leaves no record
    and raises, so a retry sends it."""
    import json
    from datetime import UTC, datetime

    from treasury_warehouse.warehouse import builds

    build_path = builds.published_build(settings)
    if build_path is None:
        raise builds.BuildFailed("digest", str(settings.warehouse_path), "published", "no warehouse is published")
    record = build_path.parent / DIGEST_FILE
    if record.exists():
        log.info("the digest of %s was sent already (%s)", builds.build_id(build_path), record)
        return "already sent"
    said = lines(build_path)
    how = send(channel, builds.build_id(build_path), said)
    record.write_text(
        json.dumps({"sent_by": how, "at": datetime.now(UTC).isoformat(timespec="seconds"), "lines": said}, indent=1)
    )
    return how


@dataclass(frozen=True)
class Channel:
    """Where the digest goes, read from an Airflow connection's fields."""

    conn_type: str
    host: str | None = None
    port: int | None = None
    schema: str | None = None
    login: str | None = None
    password: str | None = None
    extra: Mapping[str, object] = field(default_factory=dict)

    @property
    def url(self) -> str:
        scheme = self.conn_type if self.conn_type in ("http", "https") else str(self.extra.get("scheme", "https"))
        port = f":{self.port}" if self.port else ""
        path = (self.schema or "").lstrip("/")
        return f"{scheme}://{self.host}{port}/{path}"


def channel_from_airflow(conn_id: str = CONNECTION_ID) -> Channel | None:
    """The digest's channel from the Airflow connection (in a task), or None when none is defined."""
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException, AirflowRuntimeError

    try:
        conn = Connection.get(conn_id)
    except (AirflowNotFoundException, AirflowRuntimeError):
        return None
    return Channel(
        conn_type=str(conn.conn_type or ""),
        host=conn.host,
        port=conn.port,
        schema=conn.schema,
        login=conn.login,
        password=conn.password,
        extra=conn.extra_dejson or {},
    )


def message(build: str, said: list[str]) -> tuple[str, str]:
    subject = f"[treasury-warehouse] what build {build} brings"
    body = "\n".join(f"- {line}" for line in said) if said else "- nothing new since the last build"
    return subject, f"What build {build} brings against the one before it:\n{body}\n"


def send(channel: Channel | None, build: str, said: list[str]) -> str:
    """Send the digest; return how ("webhook", "email", or "log" with no channel). A failed
    delivery raises: the nightly task then fails and says why."""
    from treasury_warehouse.orchestration.notify import TIMEOUT_S

    subject, text = message(build, said)
    log.info("%s\n%s", subject, text)
    if channel is None:
        log.info("no Airflow connection %s: the digest is in this log only", CONNECTION_ID)
        return "log"
    if channel.conn_type in ("http", "https"):
        import requests

        auth = (channel.login, channel.password or "") if channel.login else None
        response = requests.post(
            channel.url,
            json={"text": f"{subject}\n{text}", "build": build, "changes": said},
            auth=auth,
            timeout=TIMEOUT_S,
        )
        response.raise_for_status()
        return "webhook"
    if channel.conn_type in ("smtp", "email"):
        import smtplib
        from email.message import EmailMessage

        recipients = str(channel.extra.get("to") or "")
        if not recipients or not channel.host:
            raise ValueError(f"connection {CONNECTION_ID}: an smtp connection needs a host and extra 'to'")
        mail = EmailMessage()
        mail["Subject"] = subject
        mail["From"] = str(channel.extra.get("from") or "treasury-warehouse@localhost")
        mail["To"] = ", ".join(r.strip() for r in recipients.split(",") if r.strip())
        mail.set_content(text)
        with smtplib.SMTP(channel.host, channel.port or 25, timeout=TIMEOUT_S) as smtp:
            if str(channel.extra.get("starttls", "")).lower() == "true":
                smtp.starttls()
            if channel.login:
                smtp.login(channel.login, channel.password or "")
            smtp.send_message(mail)
        return "email"
    raise ValueError(f"connection {CONNECTION_ID}: type {channel.conn_type!r} is neither http(s) nor smtp")
