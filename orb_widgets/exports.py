"""Writing tables and text files a person asked for, whole or not at all.

Every CSV and Excel file the product writes goes through :func:`write_table`,
which passes each cell through :func:`spreadsheet_safe`: text a spreadsheet
would run as a formula is made inert (OWASP's advice on CSV injection), so a
note typed as ``=HYPERLINK(...)`` opens as that text, never as a live link.
Files get the person's usual permissions (their umask), like any file they
save themselves, so a folder copied to a shared drive opens for colleagues.
"""

from __future__ import annotations

import io
import numbers
import os
import re
import tempfile
from pathlib import Path

import pandas as pd

from .exceptions import OrbError
from .text import clean_text  # noqa: F401  (re-exported: exports write cleaned text)

#: What a spreadsheet may treat as the start of a formula (OWASP: = + - @ tab CR).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NEGATIVE_NUMBER = re.compile(r"-(\d+(\.\d*)?|\.\d+)\Z")


def spreadsheet_safe(value):
    """A cell value a spreadsheet shows as typed and never runs as a formula.

    Text starting with ``= + - @``, a tab or a carriage return gets a leading
    single quote, except a plain negative number (``-3``, ``-0.25``), which a
    spreadsheet reads as the number it is. Numbers stay numbers; everything
    else is returned unchanged.

    >>> [spreadsheet_safe(v) for v in ["=1+2", "@SUM(1)", "+1", "-1+2", "-3", -3, "plain"]]
    ["'=1+2", "'@SUM(1)", "'+1", "'-1+2", '-3', -3, 'plain']
    """
    if isinstance(value, (bool, numbers.Number)) or value is None:
        return value
    if not isinstance(value, str):
        return value
    text = clean_text(value)
    if text.startswith(FORMULA_START) and not _NEGATIVE_NUMBER.match(text):
        return "'" + text
    return text


def _safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with every text cell (and header) passed through :func:`spreadsheet_safe`."""
    out = df.copy()
    out.columns = [spreadsheet_safe(str(c)) for c in out.columns]
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(spreadsheet_safe).astype(object)
    return out


def _umask() -> int:
    """The process's umask (read without changing it where Linux allows)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write to a temporary file beside ``path`` and move it into place.

    The file ends up with the permissions any file the person saves gets
    (``0666`` less their umask: ``0644`` under the usual ``022``); a write that
    is cut off leaves the old file (or none) and no temporary file behind.
    """
    path = Path(path)
    payload = clean_text(data).encode("utf-8") if isinstance(data, str) else data
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            os.fchmod(fh.fileno(), 0o666 & ~_umask())
            fh.write(payload)
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        raise OrbError(f"{path}: cannot write ({exc.strerror}); choose another folder") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
    return path


def table_bytes(df: pd.DataFrame, fmt: str, sheet: str = "Sheet1") -> bytes:
    """A table as the bytes of a ``csv`` or ``xlsx`` file, formulas made inert."""
    safe = _safe_frame(df)
    if fmt == "csv":
        # utf-8-sig so Excel opens accents and curly quotes correctly; CRLF rows (RFC 4180) so a carriage
        # return inside a note is quoted and cannot start a new row that begins with a formula
        return safe.to_csv(index=False, lineterminator="\r\n").encode("utf-8-sig")
    if fmt == "xlsx":
        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as xl:
            safe.to_excel(xl, index=False, sheet_name=sheet[:31])
            ws = xl.sheets[sheet[:31]]
            for col in ws.columns:
                for cell in col:
                    # openpyxl would store any text starting with "=" as a formula; make it plain text
                    if isinstance(cell.value, str):
                        cell.data_type = "s"
                width = max(len(str(c.value or "")) for c in col)
                ws.column_dimensions[col[0].column_letter].width = min(60, max(10, width + 2))
        return buf.getvalue()
    raise ValueError(f"unknown table format {fmt!r}")


def write_table(df: pd.DataFrame, path: str | os.PathLike, sheet: str = "Sheet1") -> Path:
    """Save a table as ``.xlsx`` or ``.csv`` (by the file's ending), formulas made inert."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise OrbError(f"{path}: save as .xlsx or .csv")
    return write_atomic(path, table_bytes(df, suffix[1:], sheet))
