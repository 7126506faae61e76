"""Qualtrics: current, legacy ("Use legacy export format") and 2016 "Insights" CSV exports.

Current: row 1 short ids (``ResponseId``), row 2 question text (matrix rows as
``Question - Row``), row 3 ``{"ImportId": …}`` (with the time zone of the date
columns). 2016: the same with row 3 written ``{'ImportId': …}``. Legacy: row 1
``V1…`` / ``Q1…``, row 2 the headers (``ResponseID``, ``Status`` …), no row 3.
Previews, tests and spam are dropped by the Status column. In a numeric export
(the role column holds choice numbers) the scale's size plus one (Qualtrics'
default recode of a last, don't-know choice) or a negative number means don't
know; ``-99`` is "seen but unanswered", so skipped. A response is its ResponseId.
"""

from __future__ import annotations

import ast
import json
import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..matching import Header, candidates, key, short
from ..registry import Table, Vendor, register

_STATUS = {
    "ip address": None,
    "0": None,
    "imported": None,
    "4": None,
    "offline": None,
    "16": None,
    "": None,
    "survey preview": "Qualtrics preview",
    "1": "Qualtrics preview",
    "offline survey preview": "Qualtrics preview",
    "17": "Qualtrics preview",
    "survey test": "Qualtrics test",
    "2": "Qualtrics test",
    "spam": "Qualtrics spam",
    "8": "Qualtrics spam",
    "survey preview spam": "Qualtrics spam",
    "preview spam": "Qualtrics spam",
    "9": "Qualtrics spam",
    "imported spam": "Qualtrics spam",
    "12": "Qualtrics spam",
}


def _import_id(cell: str) -> dict | None:
    text = cell.strip()
    if not text.startswith("{") or "importid" not in text.casefold():
        return None
    for parse in (json.loads, ast.literal_eval):
        try:
            value = parse(text)
            return value if isinstance(value, dict) else None
        except (ValueError, SyntaxError):
            continue
    return None


def _row(head, n):
    return head[n] if n < len(head) else []


@register
class Qualtrics(Vendor):
    name, title, order = "qualtrics", "Qualtrics", 10
    meta = {"responseid": "id", "startdate": "start", "enddate": "end", "status": "status", "finished": "finished"}
    known = frozenset(
        {
            "ipaddress",
            "progress",
            "duration (in seconds)",
            "recordeddate",
            "recipientlastname",
            "recipientfirstname",
            "recipientemail",
            "externalreference",
            "externaldatareference",
            "locationlatitude",
            "locationlongitude",
            "locationaccuracy",
            "distributionchannel",
            "userlanguage",
            "responseset",
            "name",
            "emailaddress",
        }
    )
    dont_know_codes = ("points+1",)
    skipped_codes = (-99,)

    @classmethod
    def _legacy(cls, head) -> bool:
        return "responseid" in {key(c) for c in _row(head, 1)} and "responseid" not in {key(c) for c in _row(head, 0)}

    @classmethod
    def detect(cls, head) -> bool:
        row1 = {key(c) for c in _row(head, 0)}
        return "responseid" in row1 or cls._legacy(head) or any(_import_id(c) is not None for c in _row(head, 2))

    @classmethod
    def table(cls, head, inst) -> Table:
        legacy = cls._legacy(head)
        ids, texts, third = _row(head, 0), _row(head, 1), _row(head, 2)
        has_ids = any(_import_id(c) is not None for c in third)
        headers, zones = [], {}
        for j in range(max(len(ids), len(texts))):
            qid = ids[j].strip() if j < len(ids) else ""
            text = texts[j].strip() if j < len(texts) else ""
            cands = candidates(text) + ((qid,) if qid and not legacy else ())
            headers.append(Header(j, 2, short(text or qid) or f"column {j + 1}", cands, key(text if legacy else qid)))
            meta = _import_id(third[j]) if has_ids and j < len(third) else None
            if meta and meta.get("timeZone"):
                try:
                    zones[j] = ZoneInfo(meta["timeZone"])
                except (ZoneInfoNotFoundError, ValueError):
                    pass
        return Table(headers, start=3 if has_ids else 2, header_row=2, zones=zones, width=max(len(ids), len(texts)))

    @classmethod
    def drop(cls, cell, cols) -> str | None:
        j = cols.meta.get("status")
        if j is None:
            return None
        status = cell(j)
        if key(status) not in _STATUS:
            raise ValueError(
                "unknown Qualtrics response type; expected IP Address, Imported, Offline, "
                "Survey Preview, Survey Test or Spam",
                j,
            )
        return _STATUS[key(status)]

    @classmethod
    def numeric(cls, data_rows, cols) -> bool:
        j = cols.role.index
        found = [r[j].strip() for r in data_rows if j < len(r) and r[j].strip()]
        return bool(found) and all(re.fullmatch(r"-?[0-9]+", v) for v in found)
