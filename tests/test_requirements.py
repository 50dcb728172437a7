"""Every installed package is at the version constraints.txt pins, and the team set-up's
requirements name only pinned versions, checked without a package index.

Whether the Celery set-up resolves with Airflow at those pins is checked where it is
installed: `make deploy-test` builds its environment from PyPI and ``tools.deploy celery``
refuses to run when any package there is not at its pinned version."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.deploy import normalise, pinned, unpinned_distributions

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = PROJECT_ROOT / "constraints.txt"


def requirement_lines(path: Path) -> list[str]:
    lines = [line.split("#")[0].strip() for line in path.read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("-")]


@pytest.mark.parametrize(
    "file", ["requirements.txt", "requirements-dev.txt", "requirements-celery.txt", "requirements-clients.txt"]
)
def test_every_requirement_is_an_exact_pin(file: str) -> None:
    loose = [line for line in requirement_lines(PROJECT_ROOT / file) if "==" not in line]
    assert loose == [], f"{file}: requirements without an exact version"


@pytest.mark.parametrize("file", ["requirements.txt", "requirements-dev.txt", "requirements-celery.txt"])
def test_requirements_agree_with_the_constraints(file: str) -> None:
    constraints = pinned(CONSTRAINTS)
    named = pinned(PROJECT_ROOT / file)
    disagree = {
        name: (version, constraints.get(name)) for name, version in named.items() if constraints.get(name) != version
    }
    assert disagree == {}, f"{file} against constraints.txt: (required, constrained)"


def test_the_pins_the_deployments_rely_on() -> None:
    constraints = pinned(CONSTRAINTS)
    assert constraints["apache-airflow"] == "3.3.2"
    assert constraints["celery"] == "5.6.3"  # 5.7.0 breaks the scheduler and workers
    for name in ("apache-airflow-providers-celery", "apache-airflow-providers-postgres", "redis", "psycopg2-binary"):
        assert name in constraints, name


def test_this_environment_is_installed_at_the_pinned_versions() -> None:
    """`make test` installed requirements-dev.txt with constraints.txt: every package the
    resolver chose, direct or not, must be pinned there, so a rebuild installs the same set."""
    assert unpinned_distributions(CONSTRAINTS) == {}


def test_an_unpinned_package_is_found(tmp_path: Path) -> None:
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("\n".join(line for line in CONSTRAINTS.read_text().splitlines() if "pytest==" not in line))
    assert set(unpinned_distributions(constraints)) == {normalise("pytest")}


@pytest.mark.parametrize("package", ["airflow", "dbt", "great_expectations"])
def test_the_environment_is_byte_compiled(package: str) -> None:
    """`make install` compiles the environment: where PYTHONDONTWRITEBYTECODE is set, an
    import writes no bytecode, and each process would compile these packages again."""
    import importlib.util

    folders = importlib.util.find_spec(package).submodule_search_locations
    sources = [source for folder in folders for source in Path(folder).rglob("*.py")]
    missing = [source for source in sources if not Path(importlib.util.cache_from_source(str(source))).is_file()]
    assert sources, f"no module of {package} found"
    assert missing == [], f"{len(missing)} of {len(sources)} modules of {package} are not byte-compiled"
