"""Checks every parser makes before reading a publisher's file."""

from __future__ import annotations

import re
from datetime import date, datetime

from treasury_warehouse.errors import ParseError

HTML_MARKERS = ("<!doctype html", "<html", "<head>", "<body")


def refuse_html(content: bytes, source: str, file: str) -> None:
    """Publishers answer errors and logins with an HTML page, often with status 200."""
    head = content[:4096].decode("latin-1").lower()
    if any(marker in head for marker in HTML_MARKERS):
        raise ParseError(source, file, "not_html", "the file is an HTML page (an error or login page?), not data")


def decode_text(content: bytes, source: str, file: str, encoding: str = "utf-8-sig") -> str:
    """Text of a publisher file; refuse empty files, HTML pages and undecodable bytes."""
    if not content.strip():
        raise ParseError(source, file, "not_empty", "the file is empty")
    refuse_html(content, source, file)
    try:
        return content.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ParseError(source, file, "encoding", f"expected {encoding} text; byte {exc.start} is not") from None


def require_binary(content: bytes, source: str, file: str, magic: bytes, kind: str) -> None:
    """Refuse an HTML page or a truncated download in place of a binary file."""
    if not content:
        raise ParseError(source, file, "not_empty", "the file is empty")
    if not content.startswith(magic):
        refuse_html(content, source, file)
        raise ParseError(source, file, "file_signature", f"the file does not start like {kind}")


def release_date(lines: list[str], label: str, source: str, file: str, within: int) -> date:
    """The date written as '<label> Month d, yyyy' in the first lines of a publisher file."""
    pattern = re.compile(rf"{label}\s*(\w+ \d{{1,2}}, \d{{4}})")
    for line in lines[:within]:
        match = pattern.search(line)
        if match:
            return datetime.strptime(match.group(1), "%B %d, %Y").date()
    raise ParseError(source, file, "release_line", f"no '{label} <Month d, yyyy>' in the first {within} lines")


def number(cell: str, source: str, where: str, detail: str) -> float:
    """A published figure with thousands separators; ParseError 'numeric_cell' otherwise."""
    try:
        return float(cell.replace(",", ""))
    except ValueError:
        raise ParseError(source, where, "numeric_cell", detail) from None
