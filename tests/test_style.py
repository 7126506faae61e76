"""The code reads one way: ruff's lint rules and its formatting, as pyproject.toml's [tool.ruff] sets them."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def ruff(*args: str) -> subprocess.CompletedProcess:
    try:
        import ruff as _  # noqa: F401
    except ImportError:
        pytest.fail("ruff is missing: pip install -e '.[test]'", pytrace=False)
    return subprocess.run([sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True)


def test_ruff_finds_nothing_to_fix():
    done = ruff("check", "--no-fix", "--output-format", "concise", ".")
    assert done.returncode == 0, f"ruff check (fix with: ruff check --fix .):\n{done.stdout}{done.stderr}"


def test_the_code_is_formatted_as_ruff_formats_it():
    done = ruff("format", "--check", ".")
    assert done.returncode == 0, f"not formatted (run: ruff format .):\n{done.stdout}{done.stderr}"
