"""Per-county packets: one self-contained HTML page (and PDF) per county, plus a statewide index.

The modules tell the story of a run:

* :mod:`.models` — what passes between them, typed: a task, its result, the
  manifest and its entries, a run's report;
* :mod:`.sections` — what a packet shows (:class:`Packet`), called from the
  thin template ``notebooks/packet.ipynb``;
* :mod:`.engine` — the in-process papermill engine that runs the template;
* :mod:`.build` — one county in a fresh child process: run, export HTML, print a PDF;
* :mod:`.runner` — :func:`run_packets`: which counties, in which processes, and the manifest;
* :mod:`.index` — the statewide index page;
* :mod:`.cli` — ``orb packets``;
* :mod:`.files` and :mod:`.hooks` — the template paths, and the test hook that holds a run.

This package is the only code that calls papermill. The engine (and papermill
with it) is imported only when a packet is built, not when the template
notebook imports this package.
"""

from __future__ import annotations

import importlib

from ..exceptions import PacketError
from .build import build_packet, check_self_contained, export_html, html_to_pdf, run_in_subprocess
from .cli import add_cli, cmd_packets
from .files import INDEX_TEMPLATE, NOTEBOOK, PACKET_TEMPLATE, TEMPLATES
from .hooks import hold
from .index import render_index
from .models import MANIFEST, IndexRow, LastRun, Manifest, PacketEntry, PacketResult, PacketTask, RunReport, Status
from .runner import Stopped, code_fingerprint, county_fingerprint, load_manifest, run_packets, warm_up
from .sections import KINDS, PREVIEW_URL, SECTIONS, Chart, Packet, demo_text

_ENGINE_NAMES = ("ENGINE", "InProcessEngine", "register_engine")


def __getattr__(name: str):
    if name in _ENGINE_NAMES:
        return getattr(importlib.import_module(".engine", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "INDEX_TEMPLATE",
    "KINDS",
    "MANIFEST",
    "NOTEBOOK",
    "PACKET_TEMPLATE",
    "PREVIEW_URL",
    "SECTIONS",
    "TEMPLATES",
    "Chart",
    "IndexRow",
    "LastRun",
    "Manifest",
    "Packet",
    "PacketEntry",
    "PacketError",
    "PacketResult",
    "PacketTask",
    "RunReport",
    "Status",
    "Stopped",
    "add_cli",
    "build_packet",
    "check_self_contained",
    "cmd_packets",
    "code_fingerprint",
    "county_fingerprint",
    "demo_text",
    "export_html",
    "hold",
    "html_to_pdf",
    "load_manifest",
    "render_index",
    "run_in_subprocess",
    "run_packets",
    "warm_up",
    *_ENGINE_NAMES,
]
