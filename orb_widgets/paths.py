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

from .settings import DB_FILE, DEFAULT_WORKSPACE, Settings  # noqa: F401  (re-exported)


def workspace_dir(workspace: str | os.PathLike | None = None, settings: Settings | None = None) -> Path:
    """The workspace folder: the argument, else the settings', else ``./workspace`` (the environment is not read here)."""
    if workspace:
        return Path(workspace).expanduser().resolve()
    return settings.workspace if settings is not None else Path(DEFAULT_WORKSPACE).resolve()


def database_url(workspace: str | os.PathLike | None = None, settings: Settings | None = None) -> str:
    """The settings' database URL (``$ORB_DATABASE_URL``, e.g. PostgreSQL), else the workspace's SQLite file.

    >>> database_url("/srv/orb")
    'sqlite:////srv/orb/orb.sqlite'
    """
    if settings is not None and settings.database_url:
        return settings.database_url
    return f"sqlite:///{workspace_dir(workspace, settings) / DB_FILE}"


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
