"""Opening a workspace database: engines, the schema version, and upgrades.

The schema carries a version number in ``meta``. Opening checks it: an old
program never writes into a newer database, and an older database is brought
forward only by ``orb init --upgrade`` (:func:`upgrade`), never silently.

Creating the schema is safe when many processes open an empty database at
the same moment: on SQLite the check and the creation run in one
``BEGIN IMMEDIATE`` transaction, on PostgreSQL under an advisory lock.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from ..exceptions import WorkspaceError
from . import models as m

SCHEMA_VERSION = 5

#: One engine per database URL and process.
_ENGINES: dict[str, sa.Engine] = {}

#: PostgreSQL advisory lock key held while the schema is created or upgraded.
_SCHEMA_LOCK = 0x0_0B_2026


def engine(url: str, **options) -> sa.Engine:
    """The engine for ``url``: SQLite in WAL mode with write transactions that
    begin ``IMMEDIATE`` (so two writers queue instead of failing half-way), or
    PostgreSQL as configured. ``options`` go to :func:`sqlalchemy.create_engine`
    when the engine is first made (e.g. a pool for a server with many users)."""
    if url in _ENGINES:
        return _ENGINES[url]
    kwargs: dict = {}
    if url.startswith("sqlite"):
        # Many respondents write at once: wait for the lock instead of failing.
        kwargs["connect_args"] = {"timeout": 60, "check_same_thread": False}
        if ":memory:" in url or url == "sqlite://":
            kwargs["poolclass"] = sa.pool.StaticPool
    else:
        kwargs["pool_pre_ping"] = True
    eng = sa.create_engine(url, **{**kwargs, **options})
    if eng.dialect.name == "sqlite":
        read_only = "mode=ro" in url
        memory = ":memory:" in url or url == "sqlite://"

        @event.listens_for(eng, "connect")
        def _pragmas(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # we say BEGIN ourselves (below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA busy_timeout=60000")
            cur.execute("PRAGMA foreign_keys=ON")
            if not memory and not read_only:
                _wal(cur)
            cur.close()

        @event.listens_for(eng, "begin")
        def _begin(conn):
            write = conn.get_execution_options().get("orb_write", False)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write and not read_only else "BEGIN")

    _ENGINES[url] = eng
    return eng


def _wal(cur, wait: float = 60.0) -> None:
    """Put the database in WAL mode, waiting up to ``wait`` seconds for other connections.

    Changing the journal mode needs the database to itself, and SQLite answers
    "database is locked" at once, without its busy timeout, while another
    connection reads it: several processes opening a new workspace together
    meet exactly that. So wait here, as the busy timeout would.
    """
    deadline, pause = time.monotonic() + wait, 0.005
    while True:
        try:
            if str(cur.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                cur.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc).lower() and "busy" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 0.2)


def sqlite_file(url: str) -> Path | None:
    """The file a plain ``sqlite:///PATH`` URL names (``None`` for other databases, memory, or URI options)."""
    if not url.startswith("sqlite:///") or "?" in url or url[len("sqlite:///") :].startswith(("file:", ":memory:")):
        return None
    return Path(url[len("sqlite:///") :])


def sqlite_url(path: Path) -> str:
    """The URL for a workspace's SQLite file, read-only (and immutable) when the
    file or its folder cannot be written, e.g. a copy on a read-only share."""
    path = Path(path)
    writable = os.access(path.parent, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))
    if writable:
        return f"sqlite:///{path}"
    wal = Path(f"{path}-wal")
    if wal.exists() and wal.stat().st_size:
        # answers not yet folded into the main file: read them through the WAL (read-only)
        return f"sqlite:///file:{path}?mode=ro&uri=true"
    return f"sqlite:///file:{path}?mode=ro&immutable=1&uri=true"


def is_read_only(url: str) -> bool:
    return "mode=ro" in url


def _lock(conn) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _SCHEMA_LOCK})


def _version(conn) -> int | None:
    if not sa.inspect(conn).has_table("meta"):
        return None
    row = conn.execute(sa.select(m.meta.c.value).where(m.meta.c.key == "schema_version")).first()
    return int(row[0]) if row else 0


def ensure(eng: sa.Engine, url: str, create: bool) -> None:
    """Check (and, with ``create``, make) the schema; raise :class:`WorkspaceError`."""
    if is_read_only(url):
        create = False
    with eng.connect().execution_options(orb_write=create) as conn, conn.begin():
        if create:
            _lock(conn)
        version = _version(conn)
        if version is None:
            if not create:
                raise WorkspaceError(f"{_where(url)} holds no ORB Workbook data yet: run 'orb init' first")
            m.metadata.create_all(conn)
            conn.execute(m.meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
            return
    if version > SCHEMA_VERSION:
        raise WorkspaceError(
            f"this workspace was written by a newer ORB Workbook (schema {version}, "
            f"this one reads {SCHEMA_VERSION}); upgrade orb-workbook"
        )
    if version < SCHEMA_VERSION:
        raise WorkspaceError(
            f"this workspace uses an older layout (schema {version}); run "
            f"'orb init --upgrade' once to bring it to {SCHEMA_VERSION} (nothing is lost)"
        )


def upgrade(eng: sa.Engine) -> tuple[int, int]:
    """Bring an older schema to :data:`SCHEMA_VERSION` in one transaction.

    Returns ``(from, to)``. Every step keeps all rows; a failure changes nothing.
    """
    with eng.connect().execution_options(orb_write=True) as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # A step that rebuilds a table must not cascade its DROP into the answers; SQLite takes
            # this only outside a transaction, and the rows are checked before the commit instead.
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                _lock(conn)
                found = _version(conn)
                if found is None:
                    m.metadata.create_all(conn)
                    conn.execute(m.meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
                    return SCHEMA_VERSION, SCHEMA_VERSION
                if found > SCHEMA_VERSION:
                    raise WorkspaceError(
                        f"this workspace was written by a newer ORB Workbook (schema {found}); "
                        f"upgrade orb-workbook instead"
                    )
                version = found
                while version < SCHEMA_VERSION:
                    _STEPS[version](conn)
                    version += 1
                if sqlite and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
                    raise WorkspaceError(
                        "this workspace holds answers whose response is missing; nothing "
                        "was changed. Restore it from a backup before upgrading"
                    )
                conn.execute(m.meta.update().where(m.meta.c.key == "schema_version").values(value=str(version)))
        finally:
            if sqlite:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=ON")
    return found, version


def _v1_to_v2(conn) -> None:
    """Version 2: case-insensitive county names, imports written in batches,
    one history row per entry version, survey links."""
    from . import checks

    conn.execute(sa.text("ALTER TABLE counties ADD COLUMN name_key VARCHAR(200)"))
    seen: dict[str, str] = {}
    for cid, name in conn.execute(sa.text("SELECT id, name FROM counties ORDER BY id")).all():
        key = checks.name_key(name)
        if key in seen:
            raise WorkspaceError(
                f"counties '{seen[key]}' and '{name}' differ only in capital letters; rename one before upgrading"
            )
        seen[key] = name
        conn.execute(sa.text("UPDATE counties SET name_key = :k WHERE id = :i"), {"k": key, "i": cid})
    conn.execute(sa.text("CREATE UNIQUE INDEX uq_counties_name_key ON counties (name_key)"))
    false = "false" if conn.dialect.name == "postgresql" else "0"
    conn.execute(sa.text(f"ALTER TABLE counties ADD COLUMN internal BOOLEAN NOT NULL DEFAULT {false}"))
    conn.execute(sa.text("ALTER TABLE imports ADD COLUMN status VARCHAR(16) NOT NULL DEFAULT 'done'"))
    conn.execute(sa.text("ALTER TABLE imports ADD COLUMN owner VARCHAR(200)"))
    conn.execute(sa.text("ALTER TABLE responses ADD COLUMN import_id INTEGER REFERENCES imports(id) ON DELETE CASCADE"))
    conn.execute(sa.text(f"ALTER TABLE responses ADD COLUMN pending BOOLEAN NOT NULL DEFAULT {false}"))
    conn.execute(sa.text("CREATE INDEX ix_responses_import_id ON responses (import_id)"))
    # An old race could store two "version 2" rows: number the later ones on, keeping both.
    dupes = conn.execute(
        sa.text(
            "SELECT h.id, h.document_id FROM document_history h WHERE EXISTS (SELECT 1 FROM document_history o "
            "WHERE o.document_id = h.document_id AND o.version = h.version AND o.id < h.id) ORDER BY h.id"
        )
    ).all()
    for hid, doc in dupes:
        top = conn.execute(
            sa.text("SELECT MAX(version) FROM document_history WHERE document_id = :d"), {"d": doc}
        ).scalar()
        conn.execute(sa.text("UPDATE document_history SET version = :v WHERE id = :i"), {"v": top + 1, "i": hid})
        conn.execute(
            sa.text("UPDATE documents SET version = :v WHERE id = :d AND version < :v"), {"v": top + 1, "d": doc}
        )
    conn.execute(sa.text("CREATE UNIQUE INDEX uq_document_history_version ON document_history (document_id, version)"))
    m.survey_links.create(conn)


def _v2_to_v3(conn) -> None:
    """Version 3: a response's identity belongs to its county and wave (unique on county, wave and
    key, not county and key), and a timed response keeps its minute and whether its file gave seconds.

    Responses stored before keep the key they were stored with (no minute key): an import compares
    them with the key the earlier version would have given, now within their wave only.
    """
    if conn.dialect.name == "sqlite":
        # SQLite cannot drop a table's UNIQUE constraint: rebuild the table (foreign keys are off).
        from sqlalchemy.schema import CreateTable

        old = [c["name"] for c in sa.inspect(conn).get_columns("responses")]
        ddl = str(CreateTable(m.responses).compile(dialect=conn.dialect))
        conn.exec_driver_sql(ddl.replace("CREATE TABLE responses ", "CREATE TABLE responses_v3 ", 1))
        cols = ", ".join(c for c in old if c in m.responses.c)
        conn.exec_driver_sql(f"INSERT INTO responses_v3 ({cols}) SELECT {cols} FROM responses")
        conn.exec_driver_sql("DROP TABLE responses")
        conn.exec_driver_sql("ALTER TABLE responses_v3 RENAME TO responses")
        for index in m.responses.indexes:
            index.create(conn)
        return
    for uc in sa.inspect(conn).get_unique_constraints("responses"):
        if sorted(uc["column_names"]) == ["county_id", "source_key"]:
            conn.exec_driver_sql(f'ALTER TABLE responses DROP CONSTRAINT "{uc["name"]}"')
    conn.exec_driver_sql(
        "ALTER TABLE responses ADD CONSTRAINT uq_responses_wave_source_key UNIQUE (county_id, wave_id, source_key)"
    )
    conn.exec_driver_sql("ALTER TABLE responses ADD COLUMN minute_key VARCHAR(64)")
    conn.exec_driver_sql("ALTER TABLE responses ADD COLUMN seconds BOOLEAN NOT NULL DEFAULT true")
    conn.exec_driver_sql("CREATE INDEX ix_responses_minute_key ON responses (wave_id, minute_key)")


def _v3_to_v4(conn) -> None:
    """Version 4: a survey link keeps how many people it was sent to (in all, or per role group)
    and the day it is meant to close; links opened before have neither."""
    have = {c["name"] for c in sa.inspect(conn).get_columns("survey_links")}  # step 1 to 2 makes today's table
    for name, kind in (("invited", "INTEGER"), ("invited_roles", "TEXT"), ("closes_on", "DATE")):
        if name not in have:
            conn.exec_driver_sql(f"ALTER TABLE survey_links ADD COLUMN {name} {kind}")


def _v4_to_v5(conn) -> None:
    """Version 5: a response keeps the office or unit its person named (the optional "Which office
    or unit?" question); responses stored before named none."""
    if "unit" not in {c["name"] for c in sa.inspect(conn).get_columns("responses")}:  # step 2 to 3 rebuilds it
        conn.exec_driver_sql(f"ALTER TABLE responses ADD COLUMN unit VARCHAR({m.NAME_MAX})")


_STEPS = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4, 4: _v4_to_v5}


def _where(url: str) -> str:
    if url.startswith("sqlite"):
        return url.split("///", 1)[-1].split("?", 1)[0].removeprefix("file:")
    return sa.engine.make_url(url).render_as_string(hide_password=True)
