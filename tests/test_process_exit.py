"""A command's process ends without Python's finalization (``exit_process``): it keeps its
exit code, its output and its exit handlers, and nothing is printed after its own lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

COMMAND = """
import atexit
import sys
from pathlib import Path

import duckdb

from treasury_warehouse import exit_process

with duckdb.connect() as con:
    con.execute("select 1").fetchall()
atexit.register(lambda: Path(sys.argv[1]).write_text("exit handler ran"))
print("the command's last line", end="")  # still in the buffer: stdout is a pipe
exit_process(3)
"""


def test_a_command_ends_with_its_code_output_and_exit_handlers_and_nothing_after(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    buffered = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    done = subprocess.run(
        [sys.executable, "-c", COMMAND, str(marker)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=buffered,
    )
    assert done.returncode == 3, done.stderr
    assert done.stdout == "the command's last line"
    # DuckDB's bindings reported every object Python's finalization did not free as a leak.
    assert done.stderr == ""
    assert marker.read_text() == "exit handler ran"
