"""The README and docs/: short enough to read, every link resolves, every `make` target and
command they name exists and carries its environment."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from treasury_warehouse.config import PROJECT_ROOT

PAGES = [PROJECT_ROOT / "README.md", *sorted((PROJECT_ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """A heading's anchor as GitHub renders it."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.DOTALL)
    return {slug(line.lstrip("#")) for line in text.splitlines() if line.startswith("#")}


def test_the_readme_is_read_in_five_minutes() -> None:
    lines = (PROJECT_ROOT / "README.md").read_text().splitlines()
    assert len(lines) < 150, len(lines)
    assert lines[2:6] == ["```sh", lines[3], lines[4], "```"]
    assert lines[3].startswith("make run")
    assert lines[4].startswith("make test")
    assert len(PAGES) > 1, "the docs/ pages are missing"


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_link_resolves(page: Path) -> None:
    broken = []
    for target in LINK.findall(page.read_text()):
        if re.match(r"[a-z]+:", target):  # http(s), mailto: not checked offline
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and anchor not in anchors(linked):
            broken.append(f"{target}: no heading '{anchor}' in {linked.name}")
    assert broken == [], f"{page.name}: {broken}"


def test_every_make_target_named_exists() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][a-z-]*):", makefile, flags=re.MULTILINE))
    named = {
        t for page in PAGES for code in _code(page.read_text()) for t in re.findall(r"\bmake ([a-z][a-z-]*)", code)
    }
    assert named, "no make target named anywhere"
    assert named - targets == set(), f"named in the docs but not in the Makefile: {sorted(named - targets)}"


def _code(text: str) -> list[str]:
    """The commands a page shows: fenced blocks and inline code."""
    blocks = re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.DOTALL)
    return [*blocks, *re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.DOTALL))]


def test_the_docs_name_only_commands_that_carry_their_environment() -> None:
    for page in PAGES:
        text = page.read_text()
        commands = [c for c in re.findall(r"`([^`\n]+)`", text) if re.match(r"(airflow |python )", c)]
        assert commands == [], f"{page.name}: run these through make or bin/warehouse: {commands}"
        assert ".venv/bin/" not in text, page.name
