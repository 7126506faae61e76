"""Survey exports in, responses out: the reader behind ``orb import``.

Counties collect the assessment in whatever tool they have. :func:`read_export`
reads the file that tool exports and returns one :class:`~orb_widgets.store.NewResponse`
per respondent, checked against the county's instrument. It never writes
anything: the caller stores the result only after it returns, so a bad file
stores nothing (all or nothing).

Formats and how ``format="auto"`` tells them apart (first rule that fits wins;
the file type, CSV or ``.xlsx``, is read from the bytes, not the file name):

===============  ==========================================================
``qualtrics``    row 1 holds ``ResponseId``, or row 3 holds ``{"ImportId": ...}``
                 cells. Row 1 short ids, row 2 question text (matrix rows as
                 ``Question - Row``), row 3 import ids (optional).
``surveymonkey`` row 1 holds ``Respondent ID``, or row 2 holds ``Response`` /
                 ``Open-Ended Response`` sub-headers. Row 1 question text
                 (blank = the question to the left goes on), row 2 the
                 matrix row, ``Response`` or ``Open-Ended Response``.
``msforms``      row 1 holds ``Start time`` and ``Completion time``.
``redcap``       row 1 starts with ``Record ID`` or has ``Survey Timestamp`` or
                 ``Complete?`` (the *labels* export).
``google``       row 1 starts with ``Timestamp`` (``Marca temporal`` in Spanish).
``csv``/``xlsx`` anything else: one header row (or the first of the top five
                 rows that names a question), typed from paper.
===============  ==========================================================

Columns are matched to the instrument by the ``[A1]`` tag anywhere in the
header (``[A-comments]`` for a section's comment box); without a tag, by the
item id alone (``A1``), or by the item's text, compared without case,
punctuation, curly quotes or repeated spaces. A grid/matrix header may carry
the section title around the row (``Section [[A1] text]``, ``Section - [A1] text``).
Answers may be a scale label, ``"5 - Strongly agree"``, a number on the scale,
the don't-know label or a common variant (``Don't know``, ``N/A``, ``Not
applicable``, ``DK``); blank means skipped. In a Qualtrics export ``-99`` is
Qualtrics' own code for "seen but unanswered", so it means skipped. Only a
*Qualtrics numeric* export (its Status column is a number, so the choice text
is not there to read) takes recodes beyond the scale: the scale's size plus one
(Qualtrics' default recode of a last, don't-know choice) or another negative
number means don't know, and the role group may be its choice number, counted
in the order the instrument lists the groups. Everywhere else a number off the
scale is an error.

Rows left out on purpose are counted in :attr:`ImportResult.dropped`:
Qualtrics previews, tests and spam (by its Status column), and rows with
neither an answer nor a comment (``"incomplete (no answers)"``). Wholly blank
rows are skipped silently. A row with answers but no role group is an error.

CSV files may be UTF-8 (with or without Excel's BOM), UTF-16 (Excel's
"Unicode text") or Windows-1252/Latin-1, separated by commas, semicolons, tabs
or bars; Excel's ``sep=;`` first line is honoured.

Only the role, answers, comments, completion time and the vendor's response id
are read. IP addresses, e-mail addresses, names and other identifying columns
are never read, so nothing from them reaches a response or its ``source_key``.

``source_key`` lets the store skip a response it already holds when the same
export is imported again: the SHA-256 of the format family and the vendor's
response id (SurveyMonkey Respondent ID, Qualtrics ResponseId, Microsoft Forms
ID with its start and completion time, REDCap Record ID with event, instance
and timestamp, or a paper file's ``id`` column), else of the response itself
(time, role, answers, comments) with its occurrence number among identical
rows, so two identical paper forms stay two people. CSV and ``.xlsx`` copies of
the same paper table share keys. Times without a zone are taken as UTC, except
Qualtrics', which names its zone in row 3.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import html
import io
import itertools
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .exceptions import ImportFileError
from .instrument import TAG_RE, Instrument, export_text
from .store import NewResponse

FORMATS = ("auto", "surveymonkey", "google", "qualtrics", "msforms", "redcap", "csv", "xlsx")

UTC = dt.timezone.utc
INCOMPLETE = "incomplete (no answers)"


@dataclass(frozen=True)
class ImportResult:
    """What :func:`read_export` found in one file.

    ``dropped`` counts rows left out on purpose, by reason (only reasons that
    occurred); ``ignored_columns`` lists headers that matched nothing in the
    survey and are not known vendor bookkeeping, so a person can check that no
    question was missed.
    """

    responses: list[NewResponse]
    format: str
    dropped: dict[str, int]
    sha256: str
    ignored_columns: tuple[str, ...] = ()


def read_export(path, instrument: Instrument, format: str = "auto") -> ImportResult:
    """Read a survey export into responses for ``instrument``; store nothing.

    Raises :class:`~orb_widgets.exceptions.ImportFileError` on the first thing
    it cannot use, naming the row (as a spreadsheet numbers it), the column and
    the value.

    >>> res = read_export("responses.csv", store.current_instrument("Alder County"))  # doctest: +SKIP
    >>> store.add_responses("Alder County", "2026-spring", res.responses)  # doctest: +SKIP
    (42, 0)
    """
    path = Path(path)
    if format not in FORMATS:
        raise ImportFileError(path, f"unknown format; use one of {', '.join(FORMATS)}", value=format)
    data = _read_bytes(path)
    grid, container = _grid(path, data)
    fmt = format if format != "auto" else _detect(grid) or container
    table = _table(fmt, grid, instrument)
    cols = _map_columns(path, table, instrument, fmt)
    responses, dropped = _responses(path, table, cols, instrument, fmt)
    return ImportResult(responses=responses, format=fmt, dropped=dropped,
                        sha256=hashlib.sha256(data).hexdigest(), ignored_columns=tuple(cols.ignored))


# ---------------------------------------------------------------- text matching

_TYPOGRAPHY = str.maketrans({
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'", "\u00b4": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
})
_HTML_TAG = re.compile(r"<[^<>]*>")
_NOT_WORD = re.compile(r"[\W_]+")
_COMMENT_TAG = re.compile(r"\[([A-Za-z]{1,3})[-_ ]comments?\]", re.IGNORECASE)


def _clean(text) -> str:
    """Straight quotes and dashes, single spaces; case and punctuation kept."""
    text = unicodedata.normalize("NFKC", html.unescape(str(text))).translate(_TYPOGRAPHY)
    return " ".join(_HTML_TAG.sub(" ", text).split())


def _norm(text) -> str:
    """The form two texts are compared in: no case, punctuation or repeated spaces."""
    text = _clean(text).casefold().replace("'", "")
    return " ".join(_NOT_WORD.sub(" ", text).split())


def _key(text) -> str:
    """Header key for vendor bookkeeping columns: no case, single spaces."""
    return " ".join(str(text).split()).casefold()


def _short(text: str, width: int = 80) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[:width - 1] + "…"


# ---------------------------------------------------------------- reading the file

def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportFileError(path, "no such file; check the name and the folder") from None
    except IsADirectoryError:
        raise ImportFileError(path, "is a folder, not an export file") from None
    except OSError as exc:
        raise ImportFileError(path, f"cannot be read ({exc.strerror}); check that it is not open "
                                    f"elsewhere and that you may read it") from None
    if not data.strip():
        raise ImportFileError(path, "the file is empty; export the responses again from the survey tool")
    return data


def _grid(path: Path, data: bytes) -> tuple[list[list[str]], str]:
    """The file as rows of text cells, and its container ("csv" or "xlsx")."""
    if data[:4] == b"PK\x03\x04":
        return _xlsx_grid(path, data), "xlsx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportFileError(path, "is an old-style Excel .xls workbook; open it in Excel and save it "
                                    "as .xlsx or CSV")
    text = _decode(data)
    head = text[:4096]
    if not text.strip():
        raise ImportFileError(path, "the file is empty; export the responses again from the survey tool")
    if head.startswith("%PDF"):
        raise ImportFileError(path, "is a PDF, not a CSV or .xlsx export of the responses")
    if re.match(r"\s*<(?:!doctype|html|\?xml)", head, re.IGNORECASE):
        raise ImportFileError(path, "is a web page or XML file, not a CSV; download the responses as CSV "
                                    "or .xlsx")
    controls = sum(1 for ch in head if ord(ch) < 32 and ch not in "\t\r\n\x0b\x0c")
    if "\x00" in head or controls > len(head) // 100:
        raise ImportFileError(path, "is not a text CSV file (it holds binary data); export the responses "
                                    "as CSV or .xlsx")
    return _csv_grid(path, text), "csv"


def _decode(data: bytes) -> str:
    # Excel writes UTF-8 with a BOM ("CSV UTF-8"), UTF-16 ("Unicode text") or the
    # Windows code page ("CSV (Comma delimited)"); the vendors write UTF-8.
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _csv_grid(path: Path, text: str) -> list[list[str]]:
    first, _, rest = text.partition("\n")
    hint = re.fullmatch(r'\s*"?sep=(.)"?\s*', first)
    if hint:  # Excel's "sep=;" line: Excel hides it, so rows are numbered without it
        delimiter, text = hint.group(1), rest
    else:
        delimiter = _sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as exc:
        raise ImportFileError(path, f"is not a CSV that can be read ({exc}); export it again",
                              row=reader.line_num) from None
    if not any(len([c for c in r if c.strip()]) > 1 for r in rows[:20]):
        raise ImportFileError(path, "has only one column; is it a CSV separated by commas, semicolons or "
                                    "tabs?", row=1, value=rows[0][0] if rows and rows[0] else None)
    return rows


def _sniff(text: str) -> str:
    """Comma, semicolon, tab or bar: the one that splits the first records into equal, wide rows.

    Counting characters is not enough: a tab-separated file from Excel does
    not quote question text that holds commas.
    """
    sample = text[:65536]
    best, best_score = ",", (0, 0)
    for delimiter in ",;\t|":
        try:
            rows = list(itertools.islice(csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter), 20))
        except csv.Error:
            continue
        if len(text) > len(sample) and len(rows) > 1:
            rows = rows[:-1]  # the sample may end inside a record
        widths = [len(r) for r in rows if any(c.strip() for c in r)]
        if not widths or widths[0] < 2:
            continue
        score = (sum(w == widths[0] for w in widths), widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _xlsx_grid(path: Path, data: bytes) -> list[list[str]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign zip
        raise ImportFileError(path, "is not an Excel .xlsx workbook that can be read; open it and save it "
                                    "again as .xlsx or CSV") from None
    try:
        for sheet in book.worksheets:
            rows = [[_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True)]
            if any(c.strip() for r in rows for c in r):
                return rows
    finally:
        book.close()
    raise ImportFileError(path, "the workbook has no data on any sheet; export the responses again")


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---------------------------------------------------------------- shapes

_GOOGLE_FIRST = {"timestamp", "marca temporal"}
_IMPORT_ID = '{"importid"'


def _row(grid, n) -> list[str]:
    return grid[n] if n < len(grid) else []


def _detect(grid) -> str | None:
    """The vendor whose header shape this is, or None for a plain table."""
    row1 = [_key(c) for c in _row(grid, 0)]
    row2 = [_key(c) for c in _row(grid, 1)]
    row3 = [_key(c).replace(" ", "") for c in _row(grid, 2)]
    if "responseid" in row1 or any(c.startswith(_IMPORT_ID) for c in row3):
        return "qualtrics"
    if "respondent id" in row1 or any(c in ("response", "open-ended response") for c in row2):
        return "surveymonkey"
    if {"start time", "completion time"} <= set(row1):
        return "msforms"
    if row1 and (row1[0] in ("record id", "record_id") or "survey timestamp" in row1 or "complete?" in row1):
        return "redcap"
    if row1 and row1[0] in _GOOGLE_FIRST:
        return "google"
    return None


@dataclass
class _Header:
    index: int
    row: int                  # the spreadsheet row that shows this header
    display: str              # how an error names the column
    texts: tuple[str, ...]    # candidate texts to match against the survey, best first
    key: str                  # for vendor bookkeeping columns
    skip: bool = False        # a vendor side column (e.g. "Other (please specify)")


@dataclass
class _Table:
    headers: list[_Header]
    rows: list[list[str]]     # the whole grid; data starts at ``start``
    start: int
    header_row: int
    zones: dict[int, dt.tzinfo] = field(default_factory=dict)


def _candidates(text: str) -> tuple[str, ...]:
    """The header, and the parts of it that may be a grid/matrix row's own text."""
    text = text.strip()
    out = [text]
    inner = _bracket_tail(text)
    if inner:
        out.append(inner)
    parts = text.split(" - ")
    out += [" - ".join(parts[k:]) for k in range(1, len(parts))]
    out += [text[i + 1:] for i, ch in enumerate(text) if ch == "." and 0 < i < len(text) - 1]
    return tuple(dict.fromkeys(t.strip() for t in out if t.strip()))


def _bracket_tail(text: str) -> str | None:
    """``Section [Row]`` -> ``Row`` (Google Forms grids), brackets inside the row kept."""
    if not text.endswith("]"):
        return None
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        depth += {"]": 1, "[": -1}.get(text[i], 0)
        if depth == 0:
            return text[i + 1:-1].strip() if text[:i].strip() else None
    return None


def _table(fmt: str, grid: list[list[str]], inst: Instrument) -> _Table:
    if fmt == "surveymonkey":
        return _surveymonkey_table(grid)
    if fmt == "qualtrics":
        return _qualtrics_table(grid)
    top = _plain_header_row(grid, inst) if fmt in ("csv", "xlsx") else 0
    headers = [_Header(j, top + 1, _short(h) or f"column {j + 1}", _candidates(h), _key(h))
               for j, h in enumerate(_row(grid, top))]
    return _Table(headers, grid, top + 1, top + 1)


def _surveymonkey_table(grid) -> _Table:
    row1, row2 = _row(grid, 0), _row(grid, 1)
    headers, question = [], ""
    for j in range(max(len(row1), len(row2))):
        q = row1[j].strip() if j < len(row1) else ""
        sub = row2[j].strip() if j < len(row2) else ""
        if q:
            question = q
        elif not sub:
            question = ""
        if not sub or _key(sub) in ("response", "open-ended response"):
            headers.append(_Header(j, 1, _short(question) or f"column {j + 1}", _candidates(question),
                                   _key(question)))
        else:  # a matrix row, or a side box of the question above it
            skip = _key(sub).startswith("other (please specify)")
            headers.append(_Header(j, 2, _short(sub), (sub,), _key(sub), skip=skip))
    return _Table(headers, grid, 2, 2)


def _qualtrics_table(grid) -> _Table:
    ids, texts, third = _row(grid, 0), _row(grid, 1), _row(grid, 2)
    has_ids = any(_key(c).replace(" ", "").startswith(_IMPORT_ID) for c in third)
    headers, zones = [], {}
    for j in range(max(len(ids), len(texts))):
        qid = ids[j].strip() if j < len(ids) else ""
        text = texts[j].strip() if j < len(texts) else ""
        cands = _candidates(text) + ((qid,) if qid else ())
        headers.append(_Header(j, 2, _short(text or qid) or f"column {j + 1}", cands, _key(qid)))
        if has_ids and j < len(third):
            try:
                zone = json.loads(third[j]).get("timeZone")
                if zone:
                    zones[j] = ZoneInfo(zone)
            except (ValueError, AttributeError, ZoneInfoNotFoundError):
                pass
    start = 3 if has_ids else 2
    return _Table(headers, grid, start, 2, zones)


def _plain_header_row(grid, inst: Instrument) -> int:
    """Row 1, unless a title sits above the headers: then the first of the top five naming a question."""
    words = {_norm(i.id) for i in inst.items} | {_norm(i.text) for i in inst.items}
    for n in range(min(5, len(grid))):
        for cell in grid[n]:
            if TAG_RE.search(cell) or _COMMENT_TAG.search(cell) or _norm(cell) in words:
                return n
    return 0


# ---------------------------------------------------------------- columns

# Vendor bookkeeping columns we read, by header key, and what they hold.
_META = {
    "surveymonkey": {"respondent id": "id", "start date": "start", "end date": "end"},
    "qualtrics": {"responseid": "id", "startdate": "start", "enddate": "end", "status": "status",
                  "finished": "finished"},
    "google": {"timestamp": "end", "marca temporal": "end"},
    "msforms": {"id": "id", "start time": "start", "completion time": "end"},
    "redcap": {"record id": "id", "record_id": "id", "event name": "event", "redcap_event_name": "event",
               "repeat instrument": "repeat", "redcap_repeat_instrument": "repeat",
               "repeat instance": "instance", "redcap_repeat_instance": "instance",
               "survey timestamp": "end"},
    "csv": {"id": "id", "form id": "id", "form number": "id", "paper id": "id"},
}
_META["xlsx"] = _META["csv"]
# Vendor bookkeeping we never read (several identify people) and need not report as ignored.
_KNOWN = {
    "surveymonkey": {"collector id", "ip address", "email address", "first name", "last name",
                     "custom data", "custom data 1"},
    "qualtrics": {"ipaddress", "progress", "duration (in seconds)", "recordeddate", "recipientlastname",
                  "recipientfirstname", "recipientemail", "externalreference", "externaldatareference",
                  "locationlatitude", "locationlongitude", "distributionchannel", "userlanguage"},
    "google": {"email address", "score"},
    "msforms": {"email", "name", "last modified time", "total points", "quiz feedback"},
    "redcap": {"survey identifier", "data access group", "complete?"},
}
_ROLE_HEADERS = {"role", "roles", "role group", "rolegroup", "your role", "group", "which group"}
_SELECTED_CHOICE = re.compile(r"\s+-\s+selected choice$", re.IGNORECASE)  # Qualtrics, when "Other" has a box


@dataclass
class _Columns:
    role: _Header | None = None
    items: dict[str, _Header] = field(default_factory=dict)
    comments: dict[str, _Header] = field(default_factory=dict)
    meta: dict[str, int] = field(default_factory=dict)
    ignored: list[str] = field(default_factory=list)


def _comment_prompts(inst: Instrument) -> dict[str, str]:
    """Each section's comment-box text as the survey export gives it."""
    out = {}
    for line in export_text(inst).splitlines():
        m = re.match(r"\[([A-Za-z]{1,3})-comments\]\s*(.+)$", line)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def _map_columns(path: Path, table: _Table, inst: Instrument, fmt: str) -> _Columns:
    ids = {i.id.casefold(): i.id for i in inst.items}
    by_text = {_norm(i.text): i.id for i in inst.items}
    elements = {e.casefold(): e for e in inst.elements}
    comment_names = {}
    for e in inst.elements:
        name = inst.element_names[e]
        for t in (f"{e} comments", f"{e} comment", f"comments {e}", f"{name} comments", f"comments {name}"):
            comment_names[_norm(t)] = e
    for e, prompt in _comment_prompts(inst).items():
        comment_names[_norm(prompt)] = e
    role_names = {_norm(inst.role_question)} | _ROLE_HEADERS
    meta, known = _META.get(fmt, {}), _KNOWN.get(fmt, set())
    cols = _Columns()

    def taken(where: dict, key: str, h: _Header, what: str) -> None:
        if key in where:
            raise ImportFileError(path, f"two columns hold {what}: '{where[key].display}' and this one; "
                                        f"delete one of them", row=h.row, column=h.display)
        where[key] = h

    for h in table.headers:
        if h.skip or not h.texts:
            continue
        if h.key in meta:
            cols.meta.setdefault(meta[h.key], h.index)
            continue
        if h.key in known:
            continue
        kind, key = _classify(path, h, inst, ids, elements)
        if kind is None:
            norms = [_norm(t) for t in h.texts]
            whole = {_norm(h.texts[0]), _norm(_SELECTED_CHOICE.sub("", h.texts[0])), _norm(h.key)}
            if whole & role_names:
                kind = "role"
            elif any(n in comment_names for n in norms):
                kind, key = "comment", next(comment_names[n] for n in norms if n in comment_names)
            elif any(n in ids for n in norms):
                kind, key = "item", next(ids[n] for n in norms if n in ids)
            elif any(n in by_text for n in norms):
                kind, key = "item", next(by_text[n] for n in norms if n in by_text)
        if kind == "item":
            taken(cols.items, key, h, f"question {key}")
        elif kind == "comment":
            taken(cols.comments, key, h, f"the comments for section {key}")
        elif kind == "role":
            if cols.role is not None:
                raise ImportFileError(path, f"two columns hold the role group: '{cols.role.display}' and "
                                            f"this one; delete one of them", row=h.row, column=h.display)
            cols.role = h
        else:
            cols.ignored.append(h.display)
    if not cols.items:
        raise ImportFileError(path, f"no column matches a question of this survey; check that the questions "
                                    f"keep their [A1]-style tags (this survey asks {_some_ids(inst)}) and "
                                    f"that this is the right county's file", row=table.header_row)
    if cols.role is None:
        raise ImportFileError(path, f"no column holds the role group; add one headed 'role' (or "
                                    f"'{inst.role_question}') with one of: "
                                    f"{' | '.join(r.label for r in inst.roles)}", row=table.header_row)
    return cols


def _some_ids(inst: Instrument) -> str:
    ids = [i.id for i in inst.items]
    return ", ".join(ids) if len(ids) <= 8 else f"{', '.join(ids[:6])} … {ids[-1]}"


def _classify(path, h: _Header, inst: Instrument, ids: dict, elements: dict):
    """("item", id) or ("comment", element) from an ``[A1]``/``[A-comments]`` tag, else (None, None)."""
    for text in h.texts:
        found = _COMMENT_TAG.findall(text)
        if found:
            tag = found[-1]
            if tag.casefold() not in elements:
                raise ImportFileError(path, f"this column is tagged [{tag}-comments] but the survey has no "
                                            f"section {tag} (it has {', '.join(inst.elements)}); remove the "
                                            f"column or correct the tag", row=h.row, column=h.display,
                                      value=f"[{tag}-comments]")
            return "comment", elements[tag.casefold()]
        found = TAG_RE.findall(text)
        if found:
            tag = found[-1]
            if tag.casefold() not in ids:
                raise ImportFileError(path, f"this column is tagged [{tag}] but the survey has no question "
                                            f"{tag}; remove the column or correct the tag (this survey "
                                            f"asks {_some_ids(inst)})", row=h.row,
                                      column=h.display, value=f"[{tag}]")
            return "item", ids[tag.casefold()]
    return None, None


# ---------------------------------------------------------------- values

_DK_VARIANTS = {"dont know", "do not know", "dk", "na", "n a", "not applicable", "dont know not applicable",
                "dont know n a", "dont know or not applicable"}
_LEADING_NUMBER = re.compile(r"^\(?([+-]?\d+)\)?\s*(?:[-.:=)]\s*)?(\D.*)$")
_TRAILING_NUMBER = re.compile(r"^(\D.*?)\s*\(([+-]?\d+)\)$")
_NUMBER = re.compile(r"^[+-]?\d+(?:\.0*)?$")
_SEEN_UNANSWERED = -99  # Qualtrics' "recode seen but unanswered questions as -99"


class _Values:
    """Reads answer and role cells for one instrument."""

    def __init__(self, inst: Instrument, fmt: str, numeric: bool):
        scale = inst.scale
        self.points = scale.points
        self.labels = {_norm(label): n for n, label in enumerate(scale.labels, start=1)}
        dk = scale.dont_know_label
        self.dk = _DK_VARIANTS | {_norm(dk)} | {_norm(p) for p in re.split(r"/|\|| or ", dk) if _norm(p)}
        self.qualtrics = fmt == "qualtrics"
        self.numeric = numeric
        self.roles = inst.roles
        self.role_keys = {}
        for r in inst.roles:
            self.role_keys[_norm(r.id)] = r.id
            self.role_keys[_norm(r.label)] = r.id
        self.accepted = " | ".join([*scale.labels, dk])

    def answer(self, raw: str):
        """A scale point, "dk", or None; ValueError when it is none of these."""
        text = _clean(raw)
        if not text:
            return None
        key = _norm(text)
        if key in self.labels:
            return self.labels[key]
        if key in self.dk:
            return "dk"
        if _NUMBER.match(text):
            n = int(float(text))
            if 1 <= n <= self.points:
                return n
            if self.qualtrics and n == _SEEN_UNANSWERED:
                return None
            if self.numeric and (n == self.points + 1 or n < 0):
                return "dk"
            raise ValueError
        m = _LEADING_NUMBER.match(text) or _TRAILING_NUMBER.match(text)
        if m:
            number, rest = (m.group(1), m.group(2)) if m.re is _LEADING_NUMBER else (m.group(2), m.group(1))
            rest = _norm(rest)
            if rest in self.dk:
                return "dk"
            if self.labels.get(rest) == int(number):
                return int(number)
        raise ValueError

    def role(self, raw: str) -> str:
        key = _norm(raw)
        if key in self.role_keys:
            return self.role_keys[key]
        if self.numeric and _NUMBER.match(raw.strip()):
            n = int(float(raw))
            if 1 <= n <= len(self.roles):
                return self.roles[n - 1].id
        raise ValueError


_ZONE_SUFFIX = re.compile(r"\s*(?:(?:GMT|UTC)\s*(?P<sign>[+-])(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?|(?P<utc>GMT|UTC|Z))$",
                          re.IGNORECASE)
_TIME_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y %H:%M",
                 "%m/%d/%y %I:%M:%S %p", "%m/%d/%y %I:%M %p", "%m/%d/%y %H:%M:%S", "%m/%d/%y %H:%M",
                 "%Y/%m/%d %I:%M:%S %p", "%Y/%m/%d %I:%M %p", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M",
                 "%m/%d/%Y", "%Y/%m/%d")


def _when(raw: str, zone: dt.tzinfo | None = None) -> dt.datetime | None:
    """A vendor's date and time as an aware UTC datetime, or None when it is not one."""
    text = raw.strip()
    if not text:
        return None
    m = _ZONE_SUFFIX.search(text)
    if m:
        if m.group("utc"):
            zone = UTC
        else:
            minutes = int(m.group("h")) * 60 + int(m.group("m") or 0)
            zone = dt.timezone(dt.timedelta(minutes=minutes if m.group("sign") == "+" else -minutes))
        text = text[:m.start()].strip()
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        value = None
        for pattern in _TIME_FORMATS:
            try:
                value = dt.datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone or UTC)
    return value.astimezone(UTC)


# ---------------------------------------------------------------- rows

_QUALTRICS_STATUS = {
    "ip address": None, "0": None, "imported": None, "4": None, "offline": None, "16": None, "": None,
    "survey preview": "Qualtrics preview", "1": "Qualtrics preview",
    "offline survey preview": "Qualtrics preview", "17": "Qualtrics preview",
    "survey test": "Qualtrics test", "2": "Qualtrics test",
    "spam": "Qualtrics spam", "8": "Qualtrics spam", "survey preview spam": "Qualtrics spam",
    "preview spam": "Qualtrics spam", "9": "Qualtrics spam", "imported spam": "Qualtrics spam",
    "12": "Qualtrics spam",
}


def _qualtrics_numeric(table: _Table, cols: _Columns) -> bool:
    """True for an export of numeric recodes rather than choice text (its Status is a number)."""
    for kind, numbers in (("status", None), ("finished", {"0", "1"})):
        j = cols.meta.get(kind)
        if j is None:
            continue
        values = {r[j].strip() for r in table.rows[table.start:] if j < len(r) and r[j].strip()}
        if values:
            return all(v.isdigit() for v in values) if numbers is None else values <= numbers
    return False


def _responses(path: Path, table: _Table, cols: _Columns, inst: Instrument, fmt: str):
    numeric = fmt == "qualtrics" and _qualtrics_numeric(table, cols)
    values = _Values(inst, fmt, numeric)
    family = "table" if fmt in ("csv", "xlsx") else fmt
    dropped: Counter = Counter()
    occurrences: Counter = Counter()
    ids_seen: dict[str, int] = {}
    out = []
    role_h = cols.role
    for n in range(table.start, len(table.rows)):
        cells = table.rows[n]
        rownum = n + 1

        def cell(j: int | None) -> str:
            return cells[j].strip() if j is not None and j < len(cells) else ""

        if not any(c.strip() for c in cells):
            continue
        if fmt == "qualtrics" and "status" in cols.meta:
            status = cell(cols.meta["status"])
            if _key(status) not in _QUALTRICS_STATUS:
                raise ImportFileError(path, "unknown Qualtrics response type; expected IP Address, Imported, "
                                            "Offline, Survey Preview, Survey Test or Spam",
                                      row=rownum, column=table.headers[cols.meta["status"]].display,
                                      value=status)
            reason = _QUALTRICS_STATUS[_key(status)]
            if reason:
                dropped[reason] += 1
                continue
        answers = {}
        for item_id, h in cols.items.items():
            raw = cell(h.index)
            try:
                answers[item_id] = values.answer(raw)
            except ValueError:
                raise ImportFileError(path, f"answer is not on this survey's {values.points}-point scale; "
                                            f"use one of {values.accepted}, a number 1–{values.points}, "
                                            f"or leave it blank", row=rownum, column=h.display,
                                      value=raw) from None
        comments = {}
        for element, h in cols.comments.items():
            text = cell(h.index)
            if text and not (fmt == "qualtrics" and text == str(_SEEN_UNANSWERED)):
                comments[element] = text
        if all(v is None for v in answers.values()) and not comments:
            dropped[INCOMPLETE] += 1
            continue
        raw_role = cell(role_h.index)
        if not raw_role:
            raise ImportFileError(path, f"no role group given; fill in one of: "
                                        f"{' | '.join(r.label for r in inst.roles)}, or delete the row",
                                  row=rownum, column=role_h.display, value="")
        try:
            role = values.role(raw_role)
        except ValueError:
            raise ImportFileError(path, f"not one of this survey's role groups; use one of: "
                                        f"{' | '.join(r.label for r in inst.roles)}",
                                  row=rownum, column=role_h.display, value=raw_role) from None
        end_j = cols.meta.get("end")
        submitted = _when(cell(end_j), table.zones.get(end_j)) if end_j is not None else None
        identity = _vendor_identity(fmt, cell, cols, table)
        if identity:
            if identity in ids_seen:
                raise ImportFileError(path, f"this response appears twice, also on row {ids_seen[identity]}; "
                                            f"delete the repeated row",
                                      row=rownum, column=table.headers[cols.meta["id"]].display,
                                      value=cell(cols.meta["id"]))
            ids_seen[identity] = rownum
        else:
            content = json.dumps([submitted.isoformat() if submitted else "", role,
                                  sorted((k, v) for k, v in answers.items() if v is not None),
                                  sorted(comments.items())], ensure_ascii=False)
            occurrences[content] += 1
            identity = f"{content}#{occurrences[content]}"
        key = hashlib.sha256(f"{family}:{identity}".encode("utf-8")).hexdigest()
        out.append(NewResponse(role=role, answers=answers, comments=comments, submitted_at=submitted,
                               source_key=key))
    return out, {k: v for k, v in dropped.items() if v}


def _vendor_identity(fmt: str, cell, cols: _Columns, table: _Table) -> str | None:
    """The vendor's own id for a row, made unique across forms where the vendor's is not."""
    rid = cell(cols.meta.get("id"))
    if not rid:
        return None

    def at(kind: str) -> str:
        j = cols.meta.get(kind)
        when = _when(cell(j), table.zones.get(j)) if j is not None else None
        return when.isoformat() if when else cell(j)

    if fmt == "msforms":  # IDs count 1, 2, 3 … in every form: add when it was answered
        return "|".join([rid, at("start"), at("end")])
    if fmt == "redcap":  # record ids restart in every project and repeat across events
        return "|".join([rid, cell(cols.meta.get("event")), cell(cols.meta.get("repeat")),
                         cell(cols.meta.get("instance")), at("end")])
    if fmt in ("csv", "xlsx"):
        return f"id|{rid}"
    return rid
