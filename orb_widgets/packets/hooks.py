"""Test hooks of a packet run: points where a test can hold the run and signal it, without timing anything."""

from __future__ import annotations

import os
import time
from pathlib import Path


def hold(hold_dir: str | None, name: str) -> None:
    """A test hook: wait here while ``<hold_dir>/<name>.hold`` exists (after saying so in ``<name>.waiting``).

    Lets tests signal a run at a known point (a child with its result ready, the
    parent half-way through writing a county's files) without timing anything.
    """
    if not hold_dir:
        return
    gate = Path(hold_dir) / f"{name}.hold"
    if gate.exists():
        (Path(hold_dir) / f"{name}.waiting").write_text(str(os.getpid()))
        while gate.exists():
            time.sleep(0.02)
