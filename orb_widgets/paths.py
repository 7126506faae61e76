"""Where things live: the workspace folder and safe file names.

>>> slugify("San Luis Obispo")
'san-luis-obispo'
>>> slugify("../../etc/passwd")
'etc-passwd'
"""
from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path

DEFAULT_WORKSPACE = "workspace"
DB_FILE = "orb.sqlite"


def workspace_dir(workspace: str | os.PathLike | None = None) -> Path:
    """The workspace folder: the argument, else ``$ORB_WORKSPACE``, else ``./workspace``."""
    chosen = workspace or os.environ.get("ORB_WORKSPACE") or DEFAULT_WORKSPACE
    return Path(chosen).expanduser().resolve()


def database_url(workspace: str | os.PathLike | None = None) -> str:
    """``$ORB_DATABASE_URL`` when set (e.g. PostgreSQL), else the workspace's SQLite file."""
    url = os.environ.get("ORB_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{workspace_dir(workspace) / DB_FILE}"


def slugify(name: str, max_length: int = 60) -> str:
    """A file-name-safe slug: ASCII letters, digits and dashes only, never empty.

    Names that slug to the same text (or to nothing) get a short hash suffix
    from the caller when uniqueness matters; see :func:`unique_slug`.
    """
    text = unicodedata.normalize("NFKD", str(name)).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:max_length].strip("-")
    return text or "county"


def unique_slug(name: str) -> str:
    """:func:`slugify` plus a short hash when the slug loses information."""
    slug = slugify(name)
    if slug.replace("-", " ") != str(name).strip().lower():
        return f"{slug}-{hashlib.sha1(str(name).encode('utf-8')).hexdigest()[:6]}"
    return slug
