"""From a file on disk to rows of text cells, streamed, with the file's own limits checked first.

Nothing here knows about vendors or instruments. :func:`open_rows` looks at the
bytes (not the file name) to tell CSV/TSV text from an ``.xlsx`` workbook,
settles the text encoding before any row is read, and returns a :class:`Rows`
whose :meth:`Rows.iter` can be called more than once: the importer reads the
file twice (check everything, then store), so a mistake found on the last row
stores nothing and memory never holds more than one row.

Limits, stated in the README: a CSV cell may hold up to ``MAX_CELL`` characters
and a row up to ``MAX_COLUMNS`` cells; a workbook may expand to at most
``MAX_XLSX_BYTES`` and no part of it may be compressed more than
``MAX_XLSX_RATIO`` times (what a "zip bomb" does).

A damaged file is one :class:`~orb_widgets.exceptions.ImportFileError`, never a
traceback: everything that opens or reads the file runs inside
:func:`_reading`, which turns whatever the zip, XML, openpyxl or csv layers
raise into one line naming the file (and the row, or the part of a workbook,
where known) and what to do. A workbook's XML is parsed with defusedxml, and a
part that declares a DTD (which no workbook may: the Open Packaging Conventions
forbid it, and it is how entity bombs start) is refused before openpyxl reads it.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
import warnings
import zipfile
import zlib
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from ..exceptions import ImportFileError, OrbError

MAX_CELL = 100_000
MAX_COLUMNS = 5_000
MAX_XLSX_BYTES = 1_000_000_000
MAX_XLSX_RATIO = 200
_CHUNK = 1 << 20

csv.field_size_limit(MAX_CELL)


@dataclass
class Rows:
    """A file's rows: ``head`` (the first few, for detection) and :meth:`iter` for all of them."""

    path: Path
    container: str  # "csv" or "xlsx"
    sha256: str
    size: int
    encoding: str | None = None
    delimiter: str = ","
    skip_first_line: bool = False  # Excel's "sep=;" line
    quoting: bool = True  # False: a TSV that never quotes (Google's download)
    head: list[list[str]] = field(default_factory=list)
    sheet: str | None = None

    def iter(self):
        """Yield ``(row_number, cells)`` as a spreadsheet numbers rows (1 = the first line)."""
        with (
            _reading(self.path, self.container) as at,
            closing(_xlsx_rows(self.path, self.sheet) if self.container == "xlsx" else _csv_rows(self)) as rows,
        ):
            for n, cells in rows:
                at.row = n
                yield n, cells

    def with_quoting(self, quoting: bool) -> "Rows":
        self.quoting = quoting
        return self


def open_rows(path, encoding: str | None = None, head_rows: int = 12) -> Rows:
    """The file's encoding or sheet settled and its first ``head_rows`` rows read; see :class:`Rows`."""
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            magic = fh.read(8)
    except FileNotFoundError:
        raise ImportFileError(path, "no such file; check the name and the folder") from None
    except IsADirectoryError:
        raise ImportFileError(path, "is a folder, not an export file") from None
    except OSError as exc:
        raise ImportFileError(
            path, f"cannot be read ({exc.strerror}); check that it is not open elsewhere and that you may read it"
        ) from None
    if magic[:4] == b"PK\x03\x04":
        with _reading(path, "xlsx"):
            _check_zip(path)
            rows = Rows(path, "xlsx", _sha256(path), size)
            rows.sheet = _first_sheet_with_data(path)
    elif magic == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportFileError(
            path,
            "is an old-style Excel .xls workbook; open it in Excel and save it "
            "as .xlsx (or download the responses again as .xlsx or CSV)",
        )
    else:
        with _reading(path, "csv"):
            rows = _text_rows(path, size, encoding)
    for _n, cells in rows.iter():
        rows.head.append(cells)
        if len(rows.head) >= head_rows:
            break
    if not any(c.strip() for r in rows.head for c in r):
        raise ImportFileError(path, "the file is empty; export the responses again from the survey tool")
    return rows


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


# ---------------------------------------------------------------- damaged files

AGAIN = "open it in Excel and save it again, or download it again from the survey tool"


class _At:
    row: int | None = None  # the last row read whole


@contextmanager
def _reading(path: Path, container: str):
    """Whatever reading ``path`` raises leaves as one :class:`ImportFileError`.

    openpyxl and zipfile raise many kinds of exceptions for a damaged
    workbook (``ParseError``, ``IndexError``, ``KeyError``, ``zlib.error`` …),
    so every one is caught there and the file is then examined to name the
    damaged part. The csv layer raises few kinds, and only those are caught.
    """
    at = _At()
    try:
        yield at
    except OrbError:
        raise
    except Exception as exc:
        if container != "xlsx" and not isinstance(exc, _TEXT_ERRORS):
            raise
        problem, row = _xlsx_damage(path, exc) if container == "xlsx" else _text_damage(exc)
        if row is None and at.row is not None:
            row = at.row + 1
        raise ImportFileError(path, problem, row=row) from None


_TEXT_ERRORS = (csv.Error, ValueError, LookupError, OSError, EOFError)


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 80 else text[:79] + "…"


def _text_damage(exc: Exception) -> tuple[str, int | None]:
    if isinstance(exc, UnicodeError):
        return (
            f"holds bytes that cannot be read as text ({_short(exc)}); save it as 'CSV UTF-8', or say its "
            f"encoding with --encoding"
        ), None
    if isinstance(exc, OSError):
        return (
            f"cannot be read ({exc.strerror or _short(exc)}); check that it is not open elsewhere and that "
            f"you may read it"
        ), None
    if isinstance(exc, csv.Error):
        return (
            f"the rows stop being one table here ({_csv_problem(exc)}); fix that row or export the file again"
        ), None
    return f"cannot be read as a table ({_short(exc)}); export the responses again as CSV or .xlsx", None


def _xlsx_damage(path: Path, exc: Exception) -> tuple[str, int | None]:
    """What is damaged in a workbook openpyxl or zipfile could not read, and the row if that is known."""
    if isinstance(exc, KeyError) and "There is no item named" in str(exc):
        name = re.search(r"named '([^']*)'", str(exc))
        return f"part '{name.group(1) if name else '?'}' is missing from this workbook; {AGAIN}", None
    try:
        found = _find_damage(path)
    except Exception:  # noqa: BLE001 - the container itself cannot be walked: say so below
        found = None
    if found:
        return f"{found[0]}; {AGAIN}", found[1]
    if isinstance(exc, (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)):
        return f"the workbook's zip container is damaged ({_short(exc)}); {AGAIN}", None
    return f"this workbook is damaged and cannot be read (detail: {type(exc).__name__}: {_short(exc)}); {AGAIN}", None


_XML_PART = re.compile(r"\.(xml|rels|vml)$", re.IGNORECASE)
_SHEET_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def _find_damage(path: Path) -> tuple[str, int | None] | None:
    """The first damaged part of a workbook, read with entity expansion off; None if none is found.

    Looks, in order, for a part that cannot be unpacked, a part that is not
    well-formed XML, and a cell that points past the end of the shared text.
    """
    with zipfile.ZipFile(path) as z:
        names = [n for n in z.namelist() if _XML_PART.search(n)]
        for name in names:
            try:
                with z.open(name) as fh:
                    for _event, element in SafeET.iterparse(fh, forbid_dtd=True):
                        element.clear()
            except SafeET.ParseError as exc:
                line, column = getattr(exc, "position", (0, 0))
                return (
                    f"part '{name}' of this workbook is damaged: its XML is broken at line {line}, column {column}"
                ), None
            except DefusedXmlException:
                return _DTD_PROBLEM.format(name=name), None
            except (ValueError, LookupError) as exc:  # an encoding the XML declares but is not in, say
                return f"part '{name}' of this workbook is damaged: its XML cannot be read ({_short(exc)})", None
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
                return f"part '{name}' of this workbook cannot be unpacked: its bytes are damaged", None
        shared = next((n for n in names if n.lower().endswith("sharedstrings.xml")), None)
        count = 0
        if shared:
            with z.open(shared) as fh:
                for _event, element in SafeET.iterparse(fh, forbid_dtd=True):
                    if element.tag == f"{_SHEET_NS}si":
                        count += 1
                        element.clear()
        for name in (n for n in names if n.lower().startswith("xl/worksheets/") and n.lower().endswith(".xml")):
            with z.open(name) as fh:
                for _event, element in SafeET.iterparse(fh, forbid_dtd=True):
                    if element.tag != f"{_SHEET_NS}c":
                        continue
                    kind, value = element.get("t", "n"), element.findtext(f"{_SHEET_NS}v")
                    ref = element.get("r")
                    element.clear()
                    problem = _bad_cell(ref, kind, value, count, shared or "xl/sharedStrings.xml")
                    if problem:
                        row = re.fullmatch(r"[A-Z]{1,3}([1-9][0-9]{0,6})", ref or "")
                        return f"in part '{name}', {problem}", int(row.group(1)) if row else None
    return None


def _bad_cell(ref: str | None, kind: str, value: str | None, shared: int, table: str) -> str | None:
    """What is wrong with one cell of a sheet's XML, or None."""
    if ref is not None and not re.fullmatch(r"[A-Z]{1,3}[1-9][0-9]{0,6}", ref):
        return f"a cell of this workbook is placed at {ref[:20]!r}, which is no cell of a sheet"
    if value is None:
        return None
    where = f"cell {ref}" if ref else "a cell"
    if kind == "s":
        if not value.strip().isdigit():
            return f"{where} should point at a shared text by number, but holds {value[:20]!r}"
        if int(value) >= shared:
            return (
                f"{where} points at shared text number {int(value)}, but the workbook holds only {shared} "
                f"('{table}' is damaged or cut short)"
            )
    elif kind == "n":
        try:
            float(value)
        except ValueError:
            return f"{where} should hold a number, but holds {value[:20]!r}"
    elif kind == "b" and value.strip() not in ("0", "1"):
        return f"{where} should hold true or false (1 or 0), but holds {value[:20]!r}"
    return None


_DTD_PROBLEM = (
    "part '{name}' of this workbook declares its own XML entities (a DTD), which no workbook "
    "saved by Excel or a survey tool does and which can make a file expand without end"
)


# ---------------------------------------------------------------- text files


def _text_rows(path: Path, size: int, encoding: str | None) -> Rows:
    sha, enc = _settle_encoding(path, encoding)
    rows = Rows(path, "csv", sha, size, encoding=enc)
    with path.open("r", encoding=enc, errors="surrogateescape", newline="") as fh:
        sample = fh.read(65536)
    head = sample[:4096]
    if not sample.strip():
        raise ImportFileError(path, "the file is empty; export the responses again from the survey tool")
    if head.lstrip().startswith("%PDF"):
        raise ImportFileError(path, "is a PDF, not a CSV or .xlsx export of the responses")
    if re.match(r"\s*<(?:!doctype|html|\?xml)", head, re.IGNORECASE):
        raise ImportFileError(path, "is a web page or XML file, not a CSV; download the responses as CSV or .xlsx")
    controls = sum(1 for ch in head if ord(ch) < 32 and ch not in "\t\r\n\x0b\x0c")
    if "\x00" in head or controls > len(head) // 100:
        raise ImportFileError(
            path, "is not a text CSV file (it holds binary data); export the responses as CSV or .xlsx"
        )
    first, _, rest = sample.partition("\n")
    hint = re.fullmatch(r'\s*"?sep=(.)"?\s*', first)
    if hint:  # Excel's "sep=;" line: Excel hides it, so rows are numbered without it
        rows.delimiter, rows.skip_first_line = hint.group(1), True
    else:
        rows.delimiter = _sniff(sample, complete=len(sample) < 65536)
    return rows


def _settle_encoding(path: Path, encoding: str | None) -> tuple[str, str]:
    """The file's SHA-256 and the encoding to read it in, settled before any row is read.

    UTF-8 (with or without Excel's BOM) and UTF-16 with a BOM are taken as
    they say. A file that is not UTF-8 anywhere is read as Windows-1252 (what
    Excel's "CSV (Comma delimited)" writes) when it looks like Western text.
    A file that is UTF-8 in places and not in others is read as UTF-8, so the
    first row holding bytes that do not decode is refused by name.
    """
    h = hashlib.sha256()
    with path.open("rb") as fh:
        first = fh.read(4)
        fh.seek(0)
        if encoding:
            try:
                if not codecs.lookup(encoding)._is_text_encoding:  # rot13, base64 …: not for text files
                    raise LookupError(encoding)
            except LookupError:
                raise ImportFileError(
                    path, "unknown --encoding; use a name such as utf-8, cp1252, latin-1 or shift_jis", value=encoding
                ) from None
            for chunk in iter(lambda: fh.read(_CHUNK), b""):
                h.update(chunk)
            return h.hexdigest(), encoding
        if first.startswith(codecs.BOM_UTF8):
            enc = "utf-8-sig"
        elif first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            enc = "utf-16"
        else:
            enc = None
        utf8 = codecs.getincrementaldecoder("utf-8")()
        cp = codecs.getincrementaldecoder("cp1252")(errors="replace")
        utf8_ok, multibyte, runs, non_ascii, undefined = True, False, 0, 0, 0
        for chunk in iter(lambda: fh.read(_CHUNK), b""):
            h.update(chunk)
            if enc:
                continue
            if utf8_ok:
                try:
                    utf8.decode(chunk)
                except UnicodeDecodeError:
                    utf8_ok = False
            multibyte = multibyte or bool(_UTF8_MULTIBYTE.search(chunk))
            if not utf8_ok:
                text = cp.decode(chunk)
                undefined += text.count("\ufffd")
                for run in _NON_ASCII.finditer(text):
                    non_ascii += len(run.group())
                    runs += len(run.group()) - 1
        if enc:
            return h.hexdigest(), enc
        if utf8_ok or multibyte:
            return h.hexdigest(), "utf-8"
        # Japanese, Chinese or Cyrillic text read as Windows-1252 comes out as runs of accented
        # letters; Western text has one accented letter here and there.
        if undefined or (non_ascii > 20 and runs > non_ascii // 2):
            raise ImportFileError(
                path,
                "is not in UTF-8 or Windows-1252 text, so its letters cannot be read "
                "safely; save it as 'CSV UTF-8', or say its encoding with "
                "--encoding (for example --encoding shift_jis)",
            )
        return h.hexdigest(), "cp1252"


_NON_ASCII = re.compile("[^\x00-\x7f]+")
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _sniff(text: str, complete: bool) -> str:
    """Comma, semicolon, tab or bar: the one that splits the first records into equal, wide rows.

    Counting characters is not enough: a tab-separated file from Excel does
    not quote question text that holds commas.
    """
    best, best_score = ",", (0, 0)
    for delimiter in ",;\t|":
        try:
            rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))[:20]
        except csv.Error:
            continue
        if not complete and len(rows) > 1:
            rows = rows[:-1]  # the sample may end inside a record
        widths = [len(r) for r in rows if any(c.strip() for c in r)]
        if not widths or widths[0] < 2:
            continue
        score = (sum(w == widths[0] for w in widths), widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


_BAD_BYTES = re.compile("[\udc80-\udcff]+")


def _csv_rows(rows: Rows):
    path = rows.path
    with path.open("r", encoding=rows.encoding, errors="surrogateescape", newline="") as fh:
        if rows.skip_first_line:
            fh.readline()
        if rows.quoting:
            reader = csv.reader(fh, delimiter=rows.delimiter, strict=True)
        else:
            reader = csv.reader(fh, delimiter=rows.delimiter, quoting=csv.QUOTE_NONE)
        start = 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise ImportFileError(
                    path,
                    f"the rows stop being one table here ({_csv_problem(exc)}); a quote "
                    f"mark opened in a cell is probably never closed: fix that cell "
                    f"or export the file again",
                    row=start,
                ) from None
            except UnicodeDecodeError as exc:
                raise ImportFileError(
                    path,
                    f"holds bytes that are not {rows.encoding} ({exc.reason}); say the file's encoding with --encoding",
                    row=start,
                ) from None
            if len(cells) > MAX_COLUMNS:
                raise ImportFileError(
                    path, f"a row with more than {MAX_COLUMNS} cells; this is not a survey export", row=start
                )
            for j, c in enumerate(cells):
                bad = _BAD_BYTES.search(c)
                if bad:
                    raw = bad.group().encode("utf-8", "surrogateescape")
                    raise ImportFileError(
                        path,
                        f"this cell holds bytes that are not UTF-8 (0x{raw.hex()}), "
                        f"while the rest of the file is UTF-8; fix the cell and save "
                        f"as 'CSV UTF-8', or say the encoding with --encoding",
                        row=start,
                        column=f"column {j + 1}",
                        value=c.encode("utf-8", "surrogateescape").decode("utf-8", "replace"),
                    )
            # rows as a spreadsheet shows them: a cell with line breaks stays in one row
            yield start, cells
            start += 1


def _csv_problem(exc: csv.Error) -> str:
    text = str(exc)
    if "field larger than field limit" in text:
        return f"a cell longer than {MAX_CELL:,} characters"
    if "unexpected end of data" in text:
        return "the file ends inside a quoted cell"
    return text


# ---------------------------------------------------------------- workbooks


def _check_zip(path: Path) -> None:
    try:
        z = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise ImportFileError(
            path, f"is not an Excel .xlsx workbook that can be read (it may be cut short or damaged); {AGAIN}"
        ) from None
    with z:
        infos = z.infolist()
        if "[Content_Types].xml" not in {i.filename for i in infos}:
            raise ImportFileError(
                path,
                "is a zip file but not an Excel .xlsx workbook (it has no "
                "'[Content_Types].xml' part); open it in Excel and save it again as "
                ".xlsx, or download the responses again as .xlsx or CSV",
            )
        total = sum(i.file_size for i in infos)
        if total > MAX_XLSX_BYTES:
            raise ImportFileError(
                path,
                f"this workbook expands to {total / 1e9:.1f} GB, more than the "
                f"{MAX_XLSX_BYTES / 1e9:.0f} GB an import reads; save the responses as "
                f"CSV instead",
            )
        for i in infos:
            if i.file_size > 10_000_000 and i.file_size > MAX_XLSX_RATIO * max(i.compress_size, 1):
                raise ImportFileError(
                    path,
                    f"part '{i.filename}' of this workbook is compressed "
                    f"{i.file_size // max(i.compress_size, 1):,} times, which no real "
                    f"export is; open it in Excel and save it again, or use CSV",
                )
        for i in infos:
            if _XML_PART.search(i.filename):
                _check_prolog(path, z, i.filename)


def _check_prolog(path: Path, z: zipfile.ZipFile, name: str) -> None:
    """Refuse a part that declares a DTD, reading only up to its first element (what comes before it).

    The Open Packaging Conventions forbid DTDs in a workbook's parts; one is
    how an entity bomb ("billion laughs") starts, so it is refused here
    whether or not the XML parser below would expand it.
    """
    with z.open(name) as fh:
        try:
            for _event in SafeET.iterparse(fh, events=("start",), forbid_dtd=True):
                return
        except DefusedXmlException:
            raise ImportFileError(path, f"{_DTD_PROBLEM.format(name=name)}; {AGAIN}") from None


class _Book:
    """openpyxl's read-only workbook over a file object we close ourselves."""

    def __init__(self, path: Path):
        import openpyxl

        # a file object, not the name: openpyxl refuses a workbook whose name does not end in .xlsx
        self._fh = path.open("rb")
        try:
            with _quiet():
                self.book = openpyxl.load_workbook(self._fh, read_only=True, data_only=True)
        except BaseException:
            self._fh.close()
            raise
        self.worksheets = self.book.worksheets

    def __getitem__(self, name):
        return self.book[name]

    @staticmethod
    def rows(sheet):
        """The sheet's rows as values, read with openpyxl's warnings silenced (see :func:`_quiet`)."""
        sheet.reset_dimensions()  # never trust the size a sheet claims (A1:XFD1048576)
        rows = sheet.iter_rows(values_only=True)
        while True:
            with _quiet():
                row = next(rows, None)
            if row is None:
                return
            yield row

    def close(self) -> None:
        self.book.close()
        self._fh.close()


def _quiet():
    """openpyxl warns on stderr of what it repairs or leaves out (styles, data validation …).

    Those lines would follow the import's one line of summary or refusal; the
    data it reads is checked here, so they are silenced while it reads.
    """
    return warnings.catch_warnings(action="ignore")


def _first_sheet_with_data(path: Path) -> str:
    book = _Book(path)  # openpyxl's many errors for a damaged zip: _reading names them
    try:
        for sheet in book.worksheets:
            for n, row in enumerate(book.rows(sheet)):
                if any(v is not None and str(v).strip() for v in row[:MAX_COLUMNS]):
                    return sheet.title
                if n > 50:
                    break
    finally:
        book.close()
    raise ImportFileError(
        path,
        "the workbook has no data on any sheet; if you see the responses when you open it "
        "in Excel, save it again there; otherwise export the responses again",
    )


def _xlsx_rows(path: Path, sheet_name: str | None):
    book = _Book(path)
    try:
        sheet = book[sheet_name] if sheet_name else book.worksheets[0]
        for n, row in enumerate(book.rows(sheet), start=1):
            if len(row) > MAX_COLUMNS:
                raise ImportFileError(
                    path, f"a row with more than {MAX_COLUMNS} cells; this is not a survey export", row=n
                )
            yield n, [_cell_text(v) for v in row]
    finally:
        book.close()


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
