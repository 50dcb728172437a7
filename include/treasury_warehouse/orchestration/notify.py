"""Tell people when a task fails: always in the log, and by webhook or e-mail when configured.

ALERT_WEBHOOK_URL   POST a JSON body (Slack/Teams-style "text" plus the fields) to this URL
ALERT_EMAIL_TO      comma-separated addresses; sent through SMTP_HOST (SMTP_PORT, default 25),
                    from ALERT_EMAIL_FROM, with SMTP_USER / SMTP_PASSWORD and SMTP_STARTTLS=true
                    when the server wants them

Every message names the DAG, the task, the source and the reason. A notification that
cannot be delivered is logged as an error; it never hides the task's own failure. Each
failure (DAG, run, task, try) is sent once: Airflow may call the callback twice for a
task whose worker was killed (once from the worker, once from the scheduler), so a
ledger under the data area (``data/alerts/``) records what was sent.
"""

from __future__ import annotations

import json
import logging
import os
import re
import smtplib
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from pathlib import Path

from treasury_warehouse.errors import PipelineError
from treasury_warehouse.ingest.fetch import redacted

log = logging.getLogger(__name__)

INGEST_PREFIX = "ingest_"
TIMEOUT_S = 10


@dataclass(frozen=True)
class Failure:
    dag_id: str
    task_id: str
    run_id: str
    try_number: int
    source: str
    reason: str

    @property
    def subject(self) -> str:
        return f"[treasury-warehouse] {self.dag_id}.{self.task_id} failed ({self.source})"

    @property
    def text(self) -> str:
        return (
            f"{self.dag_id}.{self.task_id} failed for source {self.source} "
            f"(run {self.run_id}, try {self.try_number}): {self.reason}"
        )


def source_of(dag_id: str, exception: BaseException | None) -> str:
    """The source a failure concerns: the error's own, else the one the ingest DAG is for."""
    if isinstance(exception, PipelineError):
        return exception.source
    if dag_id.startswith(INGEST_PREFIX):
        return dag_id.removeprefix(INGEST_PREFIX)
    return "warehouse"


def failure_from_context(context: Mapping) -> Failure:
    """Read an Airflow failure callback context, a task's or a run's (no Airflow import needed)."""
    if context.get("ti") is None:  # a DAG run failed as a whole (its timeout)
        run = context["dag_run"]
        return Failure(
            dag_id=run.dag_id,
            task_id="(run)",
            run_id=str(run.run_id),
            try_number=0,
            source=source_of(run.dag_id, None),
            reason=str(context.get("reason") or "the run failed"),
        )
    ti = context["ti"]
    exception = context.get("exception")
    if exception is None:
        reason = "no exception recorded (killed, timed out or marked failed)"
    else:
        reason = f"{type(exception).__name__}: {exception}"
    return Failure(
        dag_id=ti.dag_id,
        task_id=ti.task_id,
        run_id=str(context.get("run_id") or getattr(ti, "run_id", "")),
        try_number=int(getattr(ti, "try_number", 0) or 0),
        source=source_of(ti.dag_id, exception),
        reason=_without_keys(reason),
    )


def _without_keys(text: str) -> str:
    """The text with every registered source's API key (from its environment variable) replaced by ***."""
    from treasury_warehouse.ingest.sources import SOURCES

    for source in SOURCES.values():
        if source.api_key_env:
            text = redacted(text, os.environ.get(source.api_key_env))
    return text


def first_report(failure: Failure, ledger: Path) -> bool:
    """Record the failure in the ledger; False if it was reported already (by any process)."""
    ledger.mkdir(parents=True, exist_ok=True)
    key = re.sub(r"[^A-Za-z0-9_.=-]+", "_", f"{failure.dag_id}.{failure.task_id}.{failure.run_id}.{failure.try_number}")
    try:
        with (ledger / f"{key}.json").open("x") as entry:
            json.dump(asdict(failure), entry)
    except FileExistsError:
        return False
    return True


def send(failure: Failure, env: Mapping[str, str] | None = None, ledger: Path | None = None) -> list[str]:
    """Log the failure and send it to every configured channel; return the channels used.

    With a ledger, a failure already reported is logged as such and sent nowhere."""
    env = os.environ if env is None else env
    if ledger is not None and not first_report(failure, ledger):
        log.warning("FAILURE already reported, not sent again: %s", failure.text)
        return []
    log.error("FAILURE %s", failure.text)
    channels = ["log"]
    url, recipients = env.get("ALERT_WEBHOOK_URL"), env.get("ALERT_EMAIL_TO")
    if url and _deliver("webhook", _post_webhook, url, failure):
        channels.append("webhook")
    if recipients and _deliver("e-mail", _send_email, env, recipients, failure):
        channels.append("email")
    return channels


def _deliver(channel: str, sender, *args) -> bool:
    try:
        sender(*args)
    except Exception as exc:  # a broken channel must not mask the failure being reported
        log.error("could not send the failure notification by %s: %s: %s", channel, type(exc).__name__, exc)
        return False
    return True


def _post_webhook(url: str, failure: Failure) -> None:
    import requests

    response = requests.post(url, json={"text": failure.text, **asdict(failure)}, timeout=TIMEOUT_S)
    response.raise_for_status()


def _send_email(env: Mapping[str, str], recipients: str, failure: Failure) -> None:
    host = env.get("SMTP_HOST")
    if not host:
        raise ValueError("ALERT_EMAIL_TO is set but SMTP_HOST is not")
    message = EmailMessage()
    message["Subject"] = failure.subject
    message["From"] = env.get("ALERT_EMAIL_FROM", "treasury-warehouse@localhost")
    message["To"] = ", ".join(r.strip() for r in recipients.split(",") if r.strip())
    message.set_content(failure.text + "\n")
    with smtplib.SMTP(host, int(env.get("SMTP_PORT", "25")), timeout=TIMEOUT_S) as smtp:
        if env.get("SMTP_STARTTLS", "").lower() == "true":
            smtp.starttls()
        if user := env.get("SMTP_USER"):
            smtp.login(user, env.get("SMTP_PASSWORD", ""))
        smtp.send_message(message)
