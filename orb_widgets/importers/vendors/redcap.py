"""REDCap: the "CSV (labels)" export.

One header row: ``Record ID`` (or the project's first field label), a
``Survey Timestamp`` and ``Complete?`` per instrument, answers as labels. A
response is its record id with its event, repeat instrument, instance and
timestamp (record ids restart in every project and repeat across
events). The "CSV (raw data)" export (field names such as ``record_id``,
``*_timestamp``, ``*_complete`` and coded answers) is refused with a pointer to
the labels export, because its codes mean nothing without the project's
data dictionary.
"""

from __future__ import annotations

import re

from ..matching import key
from ..registry import Vendor, register

_RAW_FIELD = re.compile(r"^[a-z][a-z0-9_]*$")


@register
class REDCap(Vendor):
    name, title, order = "redcap", "REDCap", 40
    meta = {
        "record id": "id",
        "participant id": "id",
        "event name": "event",
        "repeat instrument": "repeat",
        "repeat instance": "instance",
        "survey timestamp": "end",
    }
    known = frozenset({"survey identifier", "data access group", "complete?"})

    @classmethod
    def detect(cls, head) -> bool:
        row1 = [key(c) for c in head[0]] if head else []
        return bool(row1) and (
            row1[0] in ("record id", "participant id") or "survey timestamp" in row1 or "complete?" in row1
        )

    @classmethod
    def refuse(cls, head) -> str | None:
        row1 = [c.strip() for c in head[0]] if head else []
        raw = [c for c in row1 if c]
        if (
            raw
            and all(_RAW_FIELD.match(c) for c in raw)
            and (
                any(c.startswith("redcap_") for c in raw)
                or sum(c.endswith(("_complete", "_timestamp")) for c in raw) >= 1
            )
        ):
            return (
                "is a REDCap 'CSV (raw data)' export (field names and answer codes); in REDCap choose "
                "Data Exports > 'CSV / Microsoft Excel (labels)' and import that file"
            )
        return None

    id_times = ("end",)

    @classmethod
    def identity(cls, cell, cols) -> str | None:
        rid = cell(cols.meta.get("id"))
        if not rid:
            return None
        return "|".join(
            [rid, cell(cols.meta.get("event")), cell(cols.meta.get("repeat")), cell(cols.meta.get("instance"))]
        )
