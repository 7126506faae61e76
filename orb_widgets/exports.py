"""Writing tables and text files a person asked for, whole or not at all."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

from .exceptions import OrbError


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write to a temporary file beside ``path`` and move it into place."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except OSError as exc:
        raise OrbError(f"{path}: cannot write ({exc.strerror}); choose another folder") from None
    return path


def write_table(df: pd.DataFrame, path: str | os.PathLike, sheet: str = "Sheet1") -> Path:
    """Save a table as ``.xlsx`` or ``.csv`` (by the file's ending)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        # utf-8-sig so Excel opens accents and curly quotes correctly
        return write_atomic(path, df.to_csv(index=False).encode("utf-8-sig"))
    if suffix == ".xlsx":
        import io

        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as xl:
            df.to_excel(xl, index=False, sheet_name=sheet[:31])
            ws = xl.sheets[sheet[:31]]
            for col in ws.columns:
                width = max(len(str(c.value or "")) for c in col)
                ws.column_dimensions[col[0].column_letter].width = min(60, max(10, width + 2))
        return write_atomic(path, buf.getvalue())
    raise OrbError(f"{path}: save as .xlsx or .csv")
