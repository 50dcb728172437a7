"""Errors that name the source, the file and the rule that failed."""

from __future__ import annotations


class PipelineError(Exception):
    """Base class: every pipeline failure says where it happened and why."""

    def __init__(self, source: str, file: str, rule: str, detail: str) -> None:
        self.source = source
        self.file = file
        self.rule = rule
        self.detail = detail
        super().__init__(f"[{source}] {file}: rule '{rule}' failed: {detail}")


class FetchError(PipelineError):
    """The publisher (or mirror) did not hand over usable bytes; ``status`` is the HTTP
    status of an answer that was an error, None when there was no answer."""

    def __init__(self, source: str, file: str, rule: str, detail: str, status: int | None = None) -> None:
        super().__init__(source, file, rule, detail)
        self.status = status


class LandingError(PipelineError):
    """A landed file is not the bytes it was landed as: it was changed on disk."""


class ParseError(PipelineError):
    """The file does not have the layout its parser expects."""


class ValidationFailed(PipelineError):
    """The parsed table did not pass its expectation suite (the gate)."""


class SourceNotConfigured(PipelineError):
    """The source has no keyless public URL and no mirror (or key) was configured."""
