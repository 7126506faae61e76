"""ORB Workbook: organizational readiness building in a Jupyter workbook.

The public API. Heavy modules (pandas, seaborn, papermill) load only when a
name from them is used, so the respondent form's kernel stays light.
"""

from __future__ import annotations

import importlib

from .content import Framework, list_frameworks, load_framework
from .exceptions import (
    ImportFileError,
    InstrumentError,
    InvalidValue,
    NoInstrument,
    OrbError,
    PackError,
    StaleEdit,
    UnknownCounty,
    WorkspaceError,
)
from .instrument import Instrument, export_printable, export_text, tailor
from .store import NewResponse, Store

__version__ = "0.1.0"

_LAZY = {
    "App": "app",
    "county_results": "results",
    "read_export": "importers",
    "score": "scoring",
    "make_demo": "demo",
    "run_packets": "packets",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'orb_widgets' has no attribute {name!r}")


__all__ = [
    "Framework",
    "ImportFileError",
    "Instrument",
    "InstrumentError",
    "InvalidValue",
    "NewResponse",
    "NoInstrument",
    "OrbError",
    "PackError",
    "StaleEdit",
    "Store",
    "UnknownCounty",
    "WorkspaceError",
    "export_printable",
    "export_text",
    "list_frameworks",
    "load_framework",
    "tailor",
    *_LAZY,
]
