"""The package's type hints hold: mypy, configured in pyproject.toml, passes over geo/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_mypy_passes_over_the_package():
    if not (ROOT / "pyproject.toml").exists():
        pytest.skip("not running from a source checkout")
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"mypy found problems:\n{done.stdout}{done.stderr}"


def test_the_package_says_it_is_typed():
    assert (ROOT / "geo" / "py.typed").is_file()
