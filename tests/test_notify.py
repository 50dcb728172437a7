"""Failure notifications: always logged, and sent to a webhook or by e-mail when configured."""

from __future__ import annotations

import logging
import socketserver
import threading
from dataclasses import dataclass
from email import message_from_bytes
from typing import ClassVar

import pytest
from conftest import WebhookServer

from treasury_warehouse.errors import ValidationFailed
from treasury_warehouse.orchestration.notify import Failure, failure_from_context, send


@dataclass
class FakeTaskInstance:
    dag_id: str
    task_id: str
    run_id: str = "scheduled__2026-11-21T02:00:00+00:00"
    try_number: int = 1


def gate_failure() -> Failure:
    error = ValidationFailed("tic_mfh", "mfhhis01.txt (sha256 95fa180fe361)", "expectation_suite", "2 of 19 failed")
    return failure_from_context({"ti": FakeTaskInstance("ingest_tic_mfh", "validate"), "exception": error})


def test_the_failure_names_dag_task_source_and_reason() -> None:
    failure = gate_failure()

    assert (failure.dag_id, failure.task_id, failure.source) == ("ingest_tic_mfh", "validate", "tic_mfh")
    assert failure.reason.startswith("ValidationFailed: [tic_mfh] mfhhis01.txt")
    assert "rule 'expectation_suite' failed" in failure.text


def test_the_source_comes_from_the_dag_when_the_error_does_not_name_one() -> None:
    failure = failure_from_context(
        {"ti": FakeTaskInstance("ingest_fred_niip", "fetch_and_land"), "exception": TimeoutError("read timed out")}
    )
    assert failure.source == "fred_niip"
    assert failure.reason == "TimeoutError: read timed out"
    killed = failure_from_context({"ti": FakeTaskInstance("build_warehouse", "dbt_build")})
    assert killed.source == "warehouse"
    assert "no exception recorded" in killed.reason


def test_a_run_that_timed_out_is_reported_as_the_run() -> None:
    @dataclass
    class FakeRun:
        dag_id: str = "build_warehouse"
        run_id: str = "scheduled__2026-11-22T06:00:00+00:00"

    failure = failure_from_context({"dag_run": FakeRun(), "reason": "timed_out"})
    assert (failure.dag_id, failure.task_id, failure.source, failure.reason) == (
        "build_warehouse",
        "(run)",
        "warehouse",
        "timed_out",
    )


def test_an_api_key_never_reaches_a_notification(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BEA_API_KEY", "SECRET-KEY-123")
    failure = failure_from_context(
        {
            "ti": FakeTaskInstance("ingest_bea_iip_api", "fetch_and_land"),
            "exception": ConnectionError("GET https://apps.bea.gov/api/data?UserID=SECRET-KEY-123 refused"),
        }
    )
    assert "SECRET-KEY-123" not in failure.text
    assert "UserID=***" in failure.reason


def test_by_default_the_failure_is_logged_only(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="treasury_warehouse.orchestration.notify"):
        channels = send(gate_failure(), env={})

    assert channels == ["log"]
    assert "FAILURE ingest_tic_mfh.validate failed for source tic_mfh" in caplog.text


def test_a_configured_webhook_receives_the_failure(webhook_server: WebhookServer) -> None:
    channels = send(gate_failure(), env={"ALERT_WEBHOOK_URL": webhook_server.url})

    assert channels == ["log", "webhook"]
    [body] = webhook_server.received
    assert body["dag_id"] == "ingest_tic_mfh"
    assert body["task_id"] == "validate"
    assert body["source"] == "tic_mfh"
    assert "expectation_suite" in body["reason"]
    assert body["text"].startswith("ingest_tic_mfh.validate failed for source tic_mfh")


def test_a_failure_reported_twice_is_sent_once(webhook_server: WebhookServer, tmp_path) -> None:
    env = {"ALERT_WEBHOOK_URL": webhook_server.url}
    assert send(gate_failure(), env=env, ledger=tmp_path / "alerts") == ["log", "webhook"]
    # The scheduler calls the callback again for the same try (a killed worker): not sent.
    assert send(gate_failure(), env=env, ledger=tmp_path / "alerts") == []
    assert len(webhook_server.received) == 1
    # A later try of the task (cleared and failed again) is a new failure.
    again = failure_from_context(
        {"ti": FakeTaskInstance("ingest_tic_mfh", "validate", try_number=2), "exception": RuntimeError("x")}
    )
    assert send(again, env=env, ledger=tmp_path / "alerts") == ["log", "webhook"]
    assert len(webhook_server.received) == 2


def test_a_broken_webhook_is_reported_and_does_not_raise(caplog: pytest.LogCaptureFixture) -> None:
    with (
        WebhookServer(status=500) as server,
        caplog.at_level(logging.ERROR, logger="treasury_warehouse.orchestration.notify"),
    ):
        channels = send(gate_failure(), env={"ALERT_WEBHOOK_URL": server.url})

    assert channels == ["log"]
    assert "could not send the failure notification by webhook: HTTPError: 500" in caplog.text


class SmtpRecorder(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) to accept one message and keep it."""

    messages: ClassVar[list[tuple[str, list[str], bytes]]] = []

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 127.0.0.1 test SMTP")
        sender, recipients = "", []
        while line := self.rfile.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 127.0.0.1")
            elif verb == "MAIL":
                sender = command.split(":", 1)[1].strip(" <>")
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip(" <>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 end with <CRLF>.<CRLF>")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk
                SmtpRecorder.messages.append((sender, recipients, data))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


def test_a_configured_email_is_sent_through_smtp() -> None:
    SmtpRecorder.messages.clear()
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SmtpRecorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {
            "ALERT_EMAIL_TO": "data-platform@example.org, oncall@example.org",
            "ALERT_EMAIL_FROM": "airflow@example.org",
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": str(server.server_address[1]),
        }
        channels = send(gate_failure(), env=env)
    finally:
        server.shutdown()
        server.server_close()

    assert channels == ["log", "email"]
    [(sender, recipients, data)] = SmtpRecorder.messages
    assert sender == "airflow@example.org"
    assert recipients == ["data-platform@example.org", "oncall@example.org"]
    message = message_from_bytes(data)
    assert message["Subject"] == "[treasury-warehouse] ingest_tic_mfh.validate failed (tic_mfh)"
    assert "rule 'expectation_suite' failed" in message.get_payload()


def test_email_without_a_server_is_reported(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="treasury_warehouse.orchestration.notify"):
        channels = send(gate_failure(), env={"ALERT_EMAIL_TO": "oncall@example.org"})

    assert channels == ["log"]
    assert "ALERT_EMAIL_TO is set but SMTP_HOST is not" in caplog.text
