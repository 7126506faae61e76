"""The workspace's database: the only code that speaks SQL.

SQLite in the workspace folder by default; ``ORB_DATABASE_URL`` can name
PostgreSQL when many counties share one server. The package has three parts:
:mod:`.models` (the tables), :mod:`.schema` (engines, version check,
upgrades) and this facade, :class:`Store`, which raises :class:`OrbError`
subclasses only: a database error never reaches a person as a traceback.

Invariants live in the statement that writes: a wave or county created by
two people at once is ``INSERT … ON CONFLICT DO NOTHING`` then read back; a
workbook save is ``UPDATE … WHERE version = :expected``; SQLite write
transactions begin ``IMMEDIATE``.

>>> store = Store("sqlite:///:memory:")
>>> store.add_county("Example County").name
'Example County'
>>> store.add_county("EXAMPLE COUNTY").name  # one county, whatever the capitals
'Example County'
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import operator
import os
import secrets
import socket
import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..exceptions import ImportFileError, InvalidValue, NoInstrument, OrbError, StaleEdit, UnknownCounty, WorkspaceError
from ..instrument import Instrument, from_json
from ..paths import unique_slug
from . import checks, schema
from .models import (
    answers,
    counties,
    document_history,
    documents,
    imports,
    instruments,
    meta,
    responses,
    survey_links,
    waves,
)
from .schema import _ENGINES, SCHEMA_VERSION  # noqa: F401  (tests and packets reset engines)

__all__ = ["Store", "NewResponse", "Origin", "County", "Document", "SurveyLink", "SCHEMA_VERSION"]

#: Responses written per transaction by :meth:`Store.import_responses`; form
#: submissions arriving during a large import wait at most one batch.
IMPORT_BATCH = 1000
#: Responses removed per transaction when an import that did not finish is taken away.
DROP_BATCH = 200
#: A running import whose process is gone, or older than this, is removed.
STALE_IMPORT = dt.timedelta(hours=6)
COMMENT_MAX = 5000

#: Tests set this to a function called at the moment two writers would race
#: (``"wave"``: a new wave not found yet; ``"doc"``: an entry read, not yet
#: written; ``"responses"``: sent answers' keys found not stored yet), to make
#: that moment happen every run.
race_hook = None


def _race_point(name: str) -> None:
    if race_hook is not None:
        race_hook(name)


def now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


@dataclass(frozen=True)
class County:
    id: int
    name: str
    slug: str
    framework: str | None


@dataclass(frozen=True)
class Document:
    """One saved workbook entry (a planning-matrix row, a breakout room's notes, …)."""

    kind: str
    key: str
    body: dict
    version: int
    updated_by: str
    updated_at: dt.datetime


@dataclass(frozen=True)
class SurveyLink:
    """An open (or closed) survey link: anyone with ``token`` may answer ``county``'s survey for ``wave``."""

    token: str
    county: str
    wave: str
    opened_at: dt.datetime
    opened_by: str
    closed_at: dt.datetime | None
    #: how many people the link was sent to (the team's count; the sum of ``invited_roles`` when given)
    invited: int | None = None
    #: how many were invited per role group id, when the team counted by group
    invited_roles: Mapping[str, int] | None = None
    #: the day the team means to close the link
    closes_on: dt.date | None = None

    @property
    def is_open(self) -> bool:
        """Open today: not closed, and its closing day (if any) not yet past (see :meth:`open_on`)."""
        return self.open_on(dt.date.today())

    def open_on(self, day: dt.date) -> bool:
        """Whether the link takes answers on ``day``: until closed, and through its closing day, never after.

        >>> link = SurveyLink("t", "C", "W", None, "x", None, closes_on=dt.date(2026, 3, 5))
        >>> link.open_on(dt.date(2026, 3, 5)), link.open_on(dt.date(2026, 3, 6))
        (True, False)
        """
        return self.closed_at is None and (self.closes_on is None or day <= self.closes_on)


@dataclass(frozen=True)
class Origin:
    """Where an imported response came from, and what tells it from the responses its wave holds.

    The README's "How ORB tells a new response from one it already has" states the rules;
    :meth:`Store.import_responses` applies them.
    """

    row: int  # the file's row, as a spreadsheet shows it
    minute_key: str | None = None  # a timed response: its minute with its role (or id), not its place
    seconds: bool = True  # False when the file gave its time to the minute only
    legacy_key: str | None = None  # the key ORB Workbook gave it before schema 3
    kind: str = "id"  # what its source_key is: "id", "time" (to the second) or "rows"
    typed_id: str | None = None  # an id typed on a paper form (repeated with other answers: refused)
    id_column: str | None = None  # … and the column that holds it


@dataclass(frozen=True)
class NewResponse:
    """One person's answers, before it is stored.

    ``answers`` maps item id to a scale point (int), ``"dk"`` for don't know,
    or ``None`` for skipped. ``source_key`` identifies it within its county
    and wave (a second response with a stored key is skipped); ``origin``
    says where an imported one came from.
    """

    role: str
    answers: Mapping[str, int | str | None]
    comments: Mapping[str, str] | None = None
    submitted_at: dt.datetime | None = None
    source_key: str | None = None
    origin: Origin | None = None
    unit: str | None = None


class _Retry(Exception):
    """A concurrent writer changed the row between our read and our write."""


def _db_error(exc: sa.exc.SQLAlchemyError, where: str, writing: bool = False) -> OrbError:
    """One line for a database failure, saying what happened and what to do."""
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    low = text.lower()
    if "full" in low and ("disk" in low or "database" in low) or "no space left" in low:
        return WorkspaceError(f"the disk holding {where} is full: nothing was saved; free some space and try again")
    if "readonly" in low or "read-only" in low or "read only" in low:
        return WorkspaceError(f"{where} is read-only here: nothing was saved; work on a writable copy")
    if "locked" in low or "busy" in low:
        return WorkspaceError(f"{where} stayed busy for a minute: nothing was saved; try again")
    if isinstance(exc, (sa.exc.OperationalError, sa.exc.InterfaceError)):
        return WorkspaceError(f"cannot use {where}: {text}" + ("; nothing was saved" if writing else ""))
    return WorkspaceError(f"{where} refused this change ({text}); nothing was saved")


def _insert(conn, table):
    """``INSERT`` for this connection's dialect, able to say ``ON CONFLICT DO NOTHING``."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)


def _response_key() -> list:
    """The columns of the unique key a response's ``source_key`` belongs to (its ``ON CONFLICT`` target)."""
    key = responses.c.source_key
    for unique in [*responses.constraints, *(i for i in responses.indexes if i.unique)]:
        if isinstance(unique, (sa.UniqueConstraint, sa.Index)) and unique.columns.contains_column(key):
            return list(unique.columns)
    raise RuntimeError("the responses table has no unique key on source_key")  # pragma: no cover


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


_visible = sa.not_(responses.c.pending)


def _full(pulses: bool) -> tuple:
    """The condition that keeps a pulse check's answers out (its survey's version is below 1), or none."""
    if pulses:
        return ()
    return (responses.c.instrument_id.in_(sa.select(instruments.c.id).where(instruments.c.version > 0)),)


def _fetch_plain(conn, query) -> list[tuple]:
    """Rows of ``query`` as the driver's plain tuples (no SQLAlchemy row objects: a big read is mostly those).

    The query's only parameters are the store's own integers and booleans, bound as literals.
    """
    sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
    cursor = conn.connection.driver_connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def link_token(nbytes: int = 18) -> str:
    """An unguessable token for a link (``nbytes`` random bytes), never starting with "-": a person
    pastes it after ``orb survey close`` or ``orb webinar …``, where it would read as an option."""
    while True:
        token = secrets.token_urlsafe(nbytes)
        if not token.startswith("-"):
            return token


class Store:
    """Facade over the workspace database. Raises :class:`OrbError` subclasses only."""

    folder: Path | None = None

    def __init__(self, url: str, create: bool = True, upgrade: bool = False):
        self.url = url
        self.where = schema._where(url)
        self.read_only = schema.is_read_only(url)
        #: ``(from, to)`` schema versions when ``upgrade`` brought an older workspace forward
        self.upgraded: tuple[int, int] | None = None
        try:
            self.engine = schema.engine(url)
            if upgrade and not self.read_only:
                self.upgraded = schema.upgrade(self.engine)
            schema.ensure(self.engine, url, create)
        except sa.exc.SQLAlchemyError as exc:
            raise _db_error(exc, self.where) from None
        except (ImportError, sa.exc.ArgumentError) as exc:
            raise WorkspaceError(f"cannot use the database URL {self.where}: {exc}") from None
        if not self.read_only:
            try:
                self.tidy_imports()  # what a killed import (or a full disk) left, gone at the next start
            except OrbError:
                pass  # no room yet: the next start tries again; the rows stay invisible meanwhile

    @classmethod
    def open(cls, url: str, create: bool = True, upgrade: bool = False, folder: Path | None = None) -> "Store":
        """Open (and, with ``create``, make) the database at ``url``.

        The URL comes from whoever owns the workspace (:class:`orb_widgets.app.App`,
        or ``paths.database_url``); the store never reads the
        environment. A SQLite file that cannot be written is opened read-only;
        a missing one is made only with ``create`` (its folder must exist).
        ``upgrade`` brings an older schema forward first (``orb init
        --upgrade``); ``folder`` is the workspace folder the store belongs to
        (where saved instruments are copied).
        """
        if not isinstance(url, str) or "://" not in url:
            raise TypeError(
                f"Store.open takes a database URL, not {url!r}: use App(settings).store, "
                f"or Store.open(paths.database_url(folder))"
            )
        path = schema.sqlite_file(url)
        if path is not None:  # a workspace's own SQLite file
            where = path.parent
            if not create and not path.exists():
                raise WorkspaceError(
                    f"{where} is not an ORB workspace yet: run 'orb init --workspace {where}' "
                    f"or 'orb demo --workspace {where}'"
                )
            url = schema.sqlite_url(path)
            if schema.is_read_only(url) and not path.exists():
                raise WorkspaceError(f"{where} is read-only, so no workspace can be made there")
        store = cls(url, create=create, upgrade=upgrade)
        store.folder = Path(folder) if folder is not None else path.parent if path is not None else None
        return store

    # ------------------------------------------------------------ transactions
    @contextmanager
    def _write(self):
        if self.read_only:
            raise WorkspaceError(f"{self.where} is read-only here: nothing was saved; work on a writable copy")
        try:
            with self.engine.connect().execution_options(orb_write=True) as conn, conn.begin():
                yield conn
        except sa.exc.SQLAlchemyError as exc:
            raise _db_error(exc, self.where, writing=True) from None

    @contextmanager
    def _read(self):
        try:
            with self.engine.connect() as conn:
                yield conn
        except sa.exc.SQLAlchemyError as exc:
            raise _db_error(exc, self.where) from None

    # ------------------------------------------------------------ workspace settings
    def set_meta(self, key: str, value: str) -> None:
        key = checks.label(key, "setting name")
        with self._write() as conn:
            conn.execute(
                _insert(conn, meta)
                .values(key=key, value=checks.text(value))
                .on_conflict_do_update(index_elements=[meta.c.key], set_={"value": checks.text(value)})
            )

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        with self._read() as conn:
            row = conn.execute(sa.select(meta.c.value).where(meta.c.key == key)).first()
        return row[0] if row else default

    # ------------------------------------------------------------ counties
    def add_county(self, name: str, framework: str | None = None, internal: bool = False) -> County:
        """The county of that name (any capitals), created when new; safe to call at once.

        ``internal`` makes an owner of workbook entries that is not a county (the
        coach's webinar series): it has entries but never a survey, and
        :meth:`counties` does not list it.
        """
        with self._write() as conn:
            return self._county_row(conn, name, framework, internal)

    def _county_row(self, conn, name: str, framework: str | None, internal: bool = False) -> County:
        name = checks.name(name, "county name")
        key = checks.name_key(name)
        conn.execute(
            _insert(conn, counties)
            .values(
                name=name,
                name_key=key,
                slug=unique_slug(name),
                framework=framework,
                created_at=now(),
                internal=internal,
            )
            .on_conflict_do_nothing()
        )
        row = conn.execute(sa.select(counties).where(counties.c.name_key == key)).one()
        return County(row.id, row.name, row.slug, row.framework)

    def counties(self) -> list[County]:
        """The workspace's counties by name (internal owners such as the coach's series left out)."""
        with self._read() as conn:
            rows = conn.execute(sa.select(counties).where(sa.not_(counties.c.internal)).order_by(counties.c.name)).all()
        return [County(r.id, r.name, r.slug, r.framework) for r in rows]

    def county(self, name: str) -> County:
        """A county by name, whatever the capitals (never whatever the spelling)."""
        try:
            key = checks.name_key(checks.name(name, "county name"))
        except InvalidValue:
            raise UnknownCounty(str(name)[:80], [c.name for c in self.counties()]) from None
        with self._read() as conn:
            row = conn.execute(sa.select(counties).where(counties.c.name_key == key)).first()
        if row is None:
            raise UnknownCounty(name, [c.name for c in self.counties()])
        return County(row.id, row.name, row.slug, row.framework)

    # ------------------------------------------------------------ instruments
    def save_instrument(self, inst: Instrument) -> tuple[str, int]:
        """Store a county's instrument; returns ``(id, version)``.

        The same content is the same version. A changed instrument replaces the
        current version only while nobody has answered it; once responses
        exist it becomes a new version, so earlier waves keep their questions.
        The county, the instrument and its file appear together or not at all.
        """
        body = json.dumps(inst.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        if inst.pulse_of is not None:
            return self._save_pulse_instrument(inst, body)
        staged = self._stage_instrument_file(inst)
        try:
            with self._write() as conn:
                county = self._county_row(conn, inst.county, inst.framework)
                same = conn.execute(sa.select(instruments.c.version).where(instruments.c.id == inst.id)).first()
                if same:
                    version = same.version
                else:
                    current = conn.execute(
                        sa.select(instruments.c.id, instruments.c.version)
                        .where(instruments.c.county_id == county.id)
                        .order_by(instruments.c.version.desc())
                    ).first()
                    version = 1
                    if current:
                        answered = conn.execute(
                            sa.select(sa.func.count())
                            .select_from(responses)
                            .where(responses.c.instrument_id == current.id)
                        ).scalar()
                        version = current.version + 1 if answered else current.version
                        if not answered:
                            conn.execute(instruments.delete().where(instruments.c.id == current.id))
                    conn.execute(
                        instruments.insert().values(
                            id=inst.id, county_id=county.id, version=version, body=body, created_at=now()
                        )
                    )
                    conn.execute(counties.update().where(counties.c.id == county.id).values(framework=inst.framework))
        except BaseException:
            if staged:
                staged.unlink(missing_ok=True)
            raise
        if staged:
            self._place_instrument_file(staged, county, inst, version)
        return inst.id, version

    def _save_pulse_instrument(self, inst: Instrument, body: str) -> tuple[str, int]:
        """A pulse check's survey is stored beside the county's versions, numbered -1, -2 … so it is never
        the county's current survey nor one of its versions (their numbers start at 1)."""
        with self._write() as conn:
            county = self._county_row(conn, inst.county, inst.framework)
            same = conn.execute(sa.select(instruments.c.version).where(instruments.c.id == inst.id)).first()
            if same:
                return inst.id, same.version
            low = conn.execute(
                sa.select(sa.func.min(instruments.c.version)).where(instruments.c.county_id == county.id)
            ).scalar()
            version = min(low or 0, 0) - 1
            conn.execute(
                instruments.insert().values(
                    id=inst.id, county_id=county.id, version=version, body=body, created_at=now()
                )
            )
        return inst.id, version

    def _stage_instrument_file(self, inst: Instrument) -> Path | None:
        """Write the instrument's readable copy first, so a full disk stops the save before the database."""
        if self.folder is None or self.read_only:
            return None
        folder = self.folder / "instruments"
        tmp = folder / f".{inst.id}.{os.getpid()}.tmp"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tmp.write_text(json.dumps(inst.model_dump(mode="json"), indent=2, ensure_ascii=False), "utf-8")
        except OSError as exc:
            tmp.unlink(missing_ok=True)  # a full disk leaves the file made and empty: no leftover
            if exc.errno == errno.ENOSPC:
                raise WorkspaceError(
                    f"the disk holding {folder} is full: nothing was saved; free some space and try again"
                ) from None
            raise WorkspaceError(f"cannot write in {folder}: {exc.strerror}; nothing was saved") from None
        return tmp

    @staticmethod
    def _place_instrument_file(staged: Path, county: County, inst: Instrument, version: int) -> None:
        target = staged.parent / county.slug / f"v{version}-{inst.id}.json"
        try:
            target.parent.mkdir(exist_ok=True)
            staged.replace(target)
        except OSError:  # the database has it; the readable copy is a convenience
            staged.unlink(missing_ok=True)

    def instrument(self, instrument_id: str) -> Instrument:
        with self._read() as conn:
            row = conn.execute(sa.select(instruments.c.body).where(instruments.c.id == instrument_id)).first()
        if row is None:
            raise OrbError(f"no instrument with id '{instrument_id}' in this workspace")
        return from_json(json.loads(row.body))

    def current_instrument(self, county: str) -> Instrument:
        c = self.county(county)
        with self._read() as conn:
            row = conn.execute(
                sa.select(instruments.c.body)
                .where(instruments.c.county_id == c.id, instruments.c.version > 0)
                .order_by(instruments.c.version.desc())
            ).first()
        if row is None:
            raise NoInstrument(c.name)
        return from_json(json.loads(row.body))

    def instrument_versions(self, county: str) -> list[dict]:
        c = self.county(county)
        with self._read() as conn:
            rows = conn.execute(
                sa.select(instruments.c.id, instruments.c.version, instruments.c.created_at)
                .where(instruments.c.county_id == c.id, instruments.c.version > 0)
                .order_by(instruments.c.version)
            ).all()
        return [dict(id=r.id, version=r.version, created_at=r.created_at) for r in rows]

    def pulse_waves(self, county: str) -> dict[str, str]:
        """The county's pulse waves that hold answers: wave label -> the pulse check's instrument id
        (its latest one, should two pulse surveys have stored into one wave), oldest wave first."""
        c = self.county(county)
        q = (
            sa.select(waves.c.label, instruments.c.id)
            .select_from(
                responses.join(waves, waves.c.id == responses.c.wave_id).join(
                    instruments, instruments.c.id == responses.c.instrument_id
                )
            )
            .where(responses.c.county_id == c.id, instruments.c.version < 0, _visible)
            .group_by(waves.c.label, instruments.c.id, waves.c.seq, instruments.c.version)
            .order_by(waves.c.seq, instruments.c.version.desc())
        )
        with self._read() as conn:
            return {label: iid for label, iid in conn.execute(q)}

    # ------------------------------------------------------------ waves
    @staticmethod
    def _wave_id(conn, county_id: int, label: str) -> int:
        """The wave's id, created if new; two people starting the same new wave get the same one."""
        label = checks.label(label, "wave label")
        found = sa.select(waves.c.id).where(waves.c.county_id == county_id, waves.c.label == label)
        row = conn.execute(found).first()
        if row:
            return row.id
        _race_point("wave")
        seq = (
            sa.select(sa.func.coalesce(sa.func.max(waves.c.seq), 0) + 1)
            .where(waves.c.county_id == county_id)
            .scalar_subquery()
        )
        conn.execute(
            _insert(conn, waves)
            .values(county_id=county_id, label=label, seq=seq)
            .on_conflict_do_nothing(index_elements=[waves.c.county_id, waves.c.label])
        )
        return conn.execute(found).scalar_one()

    def waves(self, county: str, pulses: bool = False) -> list[str]:
        """The county's wave labels that hold answers, oldest first (the order they were first used).

        Full waves only: a pulse check's wave (answers given on a pulse survey) is left out unless
        ``pulses``, so it is never "the latest wave" of Results, packets or the statewide index.
        """
        c = self.county(county)
        answered = sa.exists().where(responses.c.wave_id == waves.c.id, _visible, *_full(pulses))
        with self._read() as conn:
            return list(
                conn.execute(
                    sa.select(waves.c.label)
                    .where(waves.c.county_id == c.id, answered)
                    .order_by(waves.c.seq, waves.c.id)
                ).scalars()
            )

    # ------------------------------------------------------------ responses
    def add_responses(
        self,
        county: str,
        wave: str,
        items: Iterable[NewResponse],
        instrument: Instrument | None = None,
        source: str = "form",
    ) -> tuple[int, int]:
        """Store responses in one transaction, all or nothing.

        Every answer is checked against the instrument (known item, on the
        scale, known role group) here, on the server side, whatever the client
        sent. A response whose ``source_key`` its wave holds is skipped, so
        importing the same file twice does not double anyone. Returns
        ``(added, skipped)``.
        """
        c, inst = self._target(county, instrument)
        rows = [self._checked(inst, r) for r in items]
        with self._write() as conn:
            self._require_instrument(conn, c, inst)
            wave_id = self._wave_id(conn, c.id, wave)
            return self._insert_responses(conn, c, wave_id, inst, rows, source, set(), None)

    def add_response(self, county: str, wave: str, response: NewResponse, instrument: Instrument | None = None) -> None:
        self.add_responses(county, wave, [response], instrument=instrument, source="form")

    def import_responses(
        self,
        county: str,
        wave: str,
        items: Iterable[NewResponse],
        *,
        file_name: str,
        sha256: str,
        instrument: Instrument | None = None,
        source: str | None = None,
        batch: int = IMPORT_BATCH,
        on_batch=None,
        on_skip=None,
        dry_run: bool = False,
    ) -> tuple[int, int]:
        """Store a survey export's responses, all or nothing, in batches.

        A response the wave already holds is skipped, by the rules of the
        README's "How ORB tells a new response from one it already has"
        (``origin`` of each item); a paper id the wave holds with other
        answers stops the import (:class:`~orb_widgets.exceptions.ImportFileError`). ``items`` may be
        a lazy iterator that raises part-way (a bad row found late in a
        file): then nothing of this import is kept. Batches are written in
        short transactions, invisible until the last one makes them visible
        together with the import's record, so survey submissions keep landing
        during a large import. A failed import removes its rows; one cut off
        (the process killed) leaves only invisible rows, removed when the
        workspace is next opened. ``on_batch(added, skipped)`` is called after
        each batch, ``on_skip(response, how)`` for each response skipped
        (``how``: ``"id"``, ``"time"``, ``"minute"``, ``"rows"`` or
        ``"earlier"``). With ``dry_run`` nothing is written: the same counts,
        the same refusals. Returns ``(added, skipped)``.
        """
        c, inst = self._target(county, instrument)
        source = source or f"import:{file_name}"
        label = checks.label(wave, "wave label")
        if dry_run:
            with self._read() as conn:
                self._require_instrument(conn, c, inst)
                wave_id = conn.execute(
                    sa.select(waves.c.id).where(waves.c.county_id == c.id, waves.c.label == label)
                ).scalar()
            match = _Matching(c.id, wave_id, label, file_name, on_skip)
            added = skipped = 0
            for chunk in _chunks(items, batch):
                rows = [self._checked(inst, r) for r in chunk]
                with self._read() as conn:
                    fresh = match.fresh(conn, rows)
                added, skipped = added + len(fresh), skipped + len(rows) - len(fresh)
                if on_batch:
                    on_batch(added, skipped)
            return added, skipped
        self._remove_stale_imports(c.id)
        with self._write() as conn:
            self._require_instrument(conn, c, inst)
            wave_id = self._wave_id(conn, c.id, label)
            import_id = conn.execute(
                imports.insert().values(
                    county_id=c.id,
                    wave_id=wave_id,
                    file_name=checks.text(file_name)[:400],
                    file_sha256=sha256,
                    added=0,
                    skipped=0,
                    at=now(),
                    status="running",
                    owner=_owner(),
                )
            ).inserted_primary_key[0]
        match = _Matching(c.id, wave_id, label, file_name, on_skip)
        added = skipped = 0
        try:
            for chunk in _chunks(items, batch):
                rows = [self._checked(inst, r) for r in chunk]
                with self._write() as conn:
                    fresh = match.fresh(conn, rows)
                    stored = self._insert_rows(conn, c, wave_id, inst, fresh, source, import_id)
                added, skipped = added + stored, skipped + len(rows) - stored
                if on_batch:
                    on_batch(added, skipped)
            with self._write() as conn:
                conn.execute(responses.update().where(responses.c.import_id == import_id).values(pending=False))
                conn.execute(
                    imports.update()
                    .where(imports.c.id == import_id)
                    .values(status="done", added=added, skipped=skipped, at=now())
                )
        except BaseException:
            try:
                self._drop_import(import_id, c.id, wave_id)
            except OrbError:
                pass  # a full disk may refuse even this: the next start of any orb command removes them
            raise
        return added, skipped

    def record_import(self, county: str, wave: str, file_name: str, sha256: str, added: int, skipped: int) -> None:
        """Record a file's import made with :meth:`add_responses` (prefer :meth:`import_responses`)."""
        c = self.county(county)
        with self._write() as conn:
            wave_id = self._wave_id(conn, c.id, wave)
            conn.execute(
                imports.insert().values(
                    county_id=c.id,
                    wave_id=wave_id,
                    file_name=checks.text(file_name)[:400],
                    file_sha256=sha256,
                    added=added,
                    skipped=skipped,
                    at=now(),
                )
            )

    def _target(self, county: str, instrument: Instrument | None) -> tuple[County, Instrument]:
        c = self.county(county)
        inst = instrument or self.current_instrument(c.name)
        if checks.name_key(inst.county) != checks.name_key(c.name):
            raise InvalidValue(f"this survey belongs to {inst.county!r}, not {c.name!r}")
        return c, inst

    @staticmethod
    def _require_instrument(conn, c: County, inst: Instrument) -> None:
        if not conn.execute(sa.select(instruments.c.id).where(instruments.c.id == inst.id)).first():
            raise InvalidValue(f"survey version {inst.id} is not saved for {c.name}")

    @classmethod
    def _insert_responses(
        cls,
        conn,
        c: County,
        wave_id: int,
        inst: Instrument,
        rows: list[NewResponse],
        source: str,
        seen: set[str],
        import_id: int | None,
    ) -> tuple[int, int]:
        keys = [r.source_key for r in rows if r.source_key]
        for start in range(0, len(keys), 500):
            seen |= set(
                conn.execute(
                    sa.select(responses.c.source_key).where(
                        responses.c.county_id == c.id,
                        responses.c.wave_id == wave_id,
                        responses.c.source_key.in_(keys[start : start + 500]),
                    )
                ).scalars()
            )
        fresh, skipped = [], 0
        for r in rows:
            if r.source_key and r.source_key in seen:
                skipped += 1
                continue
            if r.source_key:
                seen.add(r.source_key)
            fresh.append(r)
        stored = cls._insert_rows(conn, c, wave_id, inst, fresh, source, import_id)
        return stored, skipped + len(fresh) - stored

    @staticmethod
    def _insert_rows(
        conn, c: County, wave_id: int, inst: Instrument, fresh: list[NewResponse], source: str, import_id: int | None
    ) -> int:
        """Write ``fresh`` and their answers; the number written (a keyed row another server
        stored meanwhile is left out)."""
        if not fresh:
            return 0
        stamp, inst_id = now(), inst.id
        values = [
            dict(
                respondent=secrets.token_hex(8),
                county_id=c.id,
                wave_id=wave_id,
                instrument_id=inst_id,
                role=r.role,
                unit=r.unit,
                submitted_at=r.submitted_at or stamp,
                source=checks.text(source)[:200],
                source_key=r.source_key,
                comments=json.dumps(dict(r.comments or {}), ensure_ascii=False),
                minute_key=r.origin.minute_key if r.origin else None,
                seconds=r.origin.seconds if r.origin else True,
                import_id=import_id,
                pending=import_id is not None,
            )
            for r in fresh
        ]
        stored = []  # (id, response) of the rows written
        plain = [(v, r) for v, r in zip(values, fresh) if not r.source_key]
        if plain:
            ids = (
                conn.execute(
                    responses.insert().returning(responses.c.id, sort_by_parameter_order=True), [v for v, _ in plain]
                )
                .scalars()
                .all()
            )
            stored += zip(ids, (r for _, r in plain))
        keyed = sorted(((v, r) for v, r in zip(values, fresh) if r.source_key), key=lambda p: p[1].source_key)
        if keyed:
            # Another server may store one of these keys after the check above (one page sent to two
            # servers): that row is skipped, not an error that loses the rest. Keys in one order, so
            # two servers writing the same keys wait for each other instead of deadlocking.
            _race_point("responses")
            insert = _insert(conn, responses).on_conflict_do_nothing(index_elements=_response_key())
            written = dict(
                conn.execute(insert.returning(responses.c.source_key, responses.c.id), [v for v, _ in keyed]).all()
            )
            stored += [(written[r.source_key], r) for _, r in keyed if r.source_key in written]
        answer_rows = [
            (rid, item, None if value == "dk" else value, value == "dk")
            for rid, r in stored
            for item, value in r.answers.items()
            if value is not None
        ]
        if answer_rows:
            # The driver's own executemany: thousands of plain rows need no statement compiling each.
            mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
            conn.exec_driver_sql(
                f"INSERT INTO answers (response_id, item, value, dont_know) VALUES ({mark}, {mark}, {mark}, {mark})",
                answer_rows,
            )
        return len(stored)

    def _drop_import(self, import_id: int, county_id: int, wave_id: int) -> None:
        """Remove every trace of an import that did not finish (its wave too, if it is empty).

        Its rows go a few hundred per transaction, each after SQLite's log was folded into the
        database, so a disk that filled up during the import still has room for each removal
        (the room the failed batch took); the log is then given back to the disk.
        """
        ids_of = sa.select(responses.c.id).where(responses.c.import_id == import_id)
        while True:
            self._checkpoint()
            with self._write() as conn:
                ids = list(conn.execute(ids_of.limit(DROP_BATCH)).scalars())
                if ids:
                    conn.execute(answers.delete().where(answers.c.response_id.in_(ids)))
                    conn.execute(responses.delete().where(responses.c.id.in_(ids)))
            if not ids:
                break
        with self._write() as conn:
            conn.execute(imports.delete().where(imports.c.id == import_id))
            used = [sa.exists().where(t.c.wave_id == wave_id) for t in (responses, imports)]
            conn.execute(
                waves.delete().where(waves.c.id == wave_id, waves.c.county_id == county_id, ~used[0], ~used[1])
            )
        self._checkpoint(truncate=True)

    def _checkpoint(self, truncate: bool = False) -> None:
        """SQLite: fold the write-ahead log into the database, so its space is used again (or freed)."""
        if self.engine.dialect.name != "sqlite" or self.read_only:
            return
        try:
            with self.engine.connect() as conn:
                conn.connection.driver_connection.execute(
                    f"PRAGMA wal_checkpoint({'TRUNCATE' if truncate else 'PASSIVE'})"
                )
        except (sa.exc.SQLAlchemyError, sqlite3.Error):
            pass  # a reader holds the log: it is folded in later

    def tidy_imports(self, county_id: int | None = None) -> int:
        """Remove the invisible rows of imports whose process is gone (or that ran over
        ``STALE_IMPORT``); returns how many imports were removed. Opening a writable store does
        this, so what a killed import left is gone at the next start of any orb command."""
        where = imports.c.status == "running"
        if county_id is not None:
            where = sa.and_(where, imports.c.county_id == county_id)
        with self._read() as conn:
            running = conn.execute(
                sa.select(imports.c.id, imports.c.county_id, imports.c.wave_id, imports.c.owner, imports.c.at).where(
                    where
                )
            ).all()
        removed = 0
        for row in running:
            at = row.at if row.at.tzinfo else row.at.replace(tzinfo=dt.timezone.utc)
            if not _owner_alive(row.owner) or now() - at > STALE_IMPORT:
                self._drop_import(row.id, row.county_id, row.wave_id)
                removed += 1
        return removed

    def _remove_stale_imports(self, county_id: int) -> None:
        self.tidy_imports(county_id)

    @staticmethod
    def _checked(inst: Instrument, r: NewResponse) -> NewResponse:
        try:
            role = inst.role(str(r.role)).id
        except KeyError:
            raise InvalidValue(
                f"'{r.role}' is not one of this survey's role groups ({', '.join(x.label for x in inst.roles)})"
            ) from None
        known = {i.id for i in inst.items}
        clean = {}
        for item, value in dict(r.answers).items():
            if item not in known:
                raise InvalidValue(f"question '{item}' is not in this survey")
            if value is None or value == "dk":
                clean[item] = value
                continue
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= inst.scale.points:
                raise InvalidValue(f"answer {value!r} to {item} is not on the {inst.scale.points}-point scale")
            clean[item] = value
        comments = {}
        for key, text in dict(r.comments or {}).items():
            if key not in inst.elements:
                raise InvalidValue(f"comment section '{key}' is not in this survey")
            if not isinstance(text, str):
                raise InvalidValue(f"comment for section {key} must be text")
            if text.strip():
                comments[key] = checks.text(text)[:COMMENT_MAX]
        key = r.source_key
        if key is not None and (not isinstance(key, str) or not 0 < len(key) <= 64):
            raise InvalidValue(f"a response key must be 1 to 64 characters, not {key!r}")
        unit = None
        if r.unit is not None and str(r.unit).strip():
            try:
                unit = inst.unit(str(r.unit))
            except KeyError:
                listed = ", ".join(inst.units) if inst.units else "this survey does not ask it"
                raise InvalidValue(f"office or unit '{r.unit}' is not one this survey lists ({listed})") from None
        return NewResponse(
            role=role,
            answers=clean,
            comments=comments,
            submitted_at=r.submitted_at,
            source_key=key,
            origin=r.origin,
            unit=unit,
        )

    def response_count(self, county: str, wave: str | None = None) -> int:
        c = self.county(county)
        q = sa.select(sa.func.count()).select_from(responses).where(responses.c.county_id == c.id, _visible)
        if wave is not None:
            q = q.join(waves, waves.c.id == responses.c.wave_id).where(waves.c.label == str(wave))
        with self._read() as conn:
            return conn.execute(q).scalar()

    def response_marks(self, county: str) -> str:
        """A hash of which responses of a county count now (for ``orb_widgets.cache``).

        A response is never changed once stored (only added, made visible with
        its import, or removed), and each carries a random id of its own, so
        the visible responses' ids say whether the county's answers and
        comments are the same as before.
        """
        import hashlib

        c = self.county(county)
        q = (
            sa.select(responses.c.id, responses.c.respondent, responses.c.wave_id)
            .where(responses.c.county_id == c.id, _visible)
            .order_by(responses.c.id)
        )
        h = hashlib.sha256()
        with self._read() as conn:
            for row in conn.execute(q):
                h.update(f"{row[0]}:{row[1]}:{row[2]};".encode())
        return h.hexdigest()

    def answers_frame(self, county: str, coded: bool = False, pulses: bool = False):
        """All of a county's answers, long: one row per respondent and item.

        Columns: ``respondent``, ``wave``, ``role``, ``instrument_id``, ``item``,
        ``value`` (float, NaN for don't know), ``dont_know`` (bool), ``unit`` (the office or
        unit named, missing where none was). Respondents
        are random ids; nothing here identifies a person. With ``coded`` the five
        label columns are pandas categoricals (the same labels, built and grouped
        far faster for a big county; scoring asks for them). Answers of pulse checks are left out
        unless ``pulses`` (see :meth:`waves`).
        """
        import numpy as np
        import pandas as pd

        c = self.county(county)
        mine = sa.and_(responses.c.county_id == c.id, _visible, *_full(pulses))
        people = (
            sa.select(
                responses.c.id,
                responses.c.respondent,
                waves.c.label,
                responses.c.role,
                responses.c.instrument_id,
                responses.c.unit,
            )
            .select_from(responses.join(waves, waves.c.id == responses.c.wave_id))
            .where(mine)
            .order_by(responses.c.id)
        )
        rows = (
            sa.select(answers.c.response_id, answers.c.item, answers.c.value, answers.c.dont_know)
            .select_from(answers.join(responses, responses.c.id == answers.c.response_id))
            .where(mine)
        )
        with self._read() as conn:
            who = conn.execute(people).all()
            found = _fetch_plain(conn, rows)
        columns = ["respondent", "wave", "role", "instrument_id", "item", "value", "dont_know", "unit"]
        if not found:
            return pd.DataFrame(
                {
                    col: pd.Series(
                        [],
                        dtype=float
                        if col == "value"
                        else bool
                        if col == "dont_know"
                        else object
                        if col == "unit"
                        else "str",
                    )
                    for col in columns
                }
            )
        # One row per answer is the bulk of a big county: it is read as the driver's plain tuples
        # and built column by column, the people's columns looked up by position, and put in
        # (response, item) order here rather than by the database, so both backends give the
        # same order whatever their collation (benchmarks/bench_score.py measures it).
        response_id, item, value, dont_know = (list(map(operator.itemgetter(k), found)) for k in range(4))
        ids = np.fromiter((r[0] for r in who), dtype=np.int64, count=len(who))
        items = pd.Categorical(item)
        order = np.lexsort((items.codes, np.asarray(response_id, dtype=np.int64)))
        at = np.searchsorted(ids, np.asarray(response_id, dtype=np.int64)[order])
        if coded:
            frame = {}
            for k, name in enumerate(columns[:4], start=1):
                codes, labels = pd.factorize(pd.Series([str(r[k]) for r in who], dtype="str"))
                frame[name] = pd.Categorical.from_codes(codes[at], categories=labels)
            frame["item"] = pd.Categorical.from_codes(items.codes[order], categories=items.categories.astype("str"))
        else:
            frame = {
                name: np.asarray([str(r[k]) for r in who], dtype=object)[at]
                for k, name in enumerate(columns[:4], start=1)
            }
            frame["item"] = np.asarray(items.categories, dtype=object)[items.codes[order]]
        frame["value"] = np.asarray(value, dtype=float)[order]
        frame["dont_know"] = np.asarray(dont_know, dtype=bool)[order]
        unit = np.asarray([np.nan if r[5] is None else r[5] for r in who], dtype=object)[at]
        frame["unit"] = pd.Categorical(unit) if coded else unit  # missing where no unit was named
        return pd.DataFrame(frame, columns=columns)

    def comments(self, county: str, wave: str | None = None) -> list[dict]:
        """Free-text comments with their element and role group (never who wrote them)."""
        c = self.county(county)
        q = (
            sa.select(waves.c.label, responses.c.role, responses.c.comments)
            .select_from(responses.join(waves, waves.c.id == responses.c.wave_id))
            .where(responses.c.county_id == c.id, _visible)
            .order_by(responses.c.id)
        )
        if wave is not None:
            q = q.where(waves.c.label == str(wave))
        out = []
        with self._read() as conn:
            for label, role, body in conn.execute(q):
                for element, text in json.loads(body or "{}").items():
                    out.append({"wave": label, "role": role, "element": element, "text": text})
        return out

    # ------------------------------------------------------------ workbook documents
    def get_doc(self, county: str, kind: str, key: str) -> Document | None:
        c = self.county(county)
        with self._read() as conn:
            row = conn.execute(
                sa.select(documents).where(
                    documents.c.county_id == c.id, documents.c.kind == kind, documents.c.key == key
                )
            ).first()
        return _doc(row) if row else None

    def list_docs(self, county: str, kind: str) -> list[Document]:
        c = self.county(county)
        with self._read() as conn:
            rows = conn.execute(
                sa.select(documents)
                .where(documents.c.county_id == c.id, documents.c.kind == kind)
                .order_by(documents.c.id)
            ).all()
        return [_doc(r) for r in rows]

    def put_doc(
        self, county: str, kind: str, key: str, body: Mapping, user: str, expected_version: int | None = None
    ) -> Document:
        """Save a workbook entry; every version is kept in the history.

        With ``expected_version`` (0 for a new entry), the save succeeds only
        if that is still the current version, checked in the ``UPDATE`` itself:
        when a teammate saved in between, :class:`StaleEdit` says so and the
        caller offers a merge. Without it, the save goes on top of whatever is
        current (retrying when a teammate's save lands at the same moment).
        """
        c = self.county(county)
        kind = checks.label(kind, "entry kind")
        key = checks.name(key, "entry key")
        text = checks.body(body)
        user = checks.text(str(user or "")).strip()[:200] or "someone"
        for _attempt in range(20):
            stamp = now()
            try:
                with self._write() as conn:
                    row = conn.execute(
                        sa.select(documents.c.id, documents.c.version, documents.c.body).where(
                            documents.c.county_id == c.id, documents.c.kind == kind, documents.c.key == key
                        )
                    ).first()
                    current = row.version if row else 0
                    if expected_version is not None and expected_version != current:
                        raise StaleEdit(
                            f"{kind} '{key}' was changed by someone else since you opened it "
                            f"(version {current}, yours {expected_version}); reload to see it",
                            current=current,
                        )
                    if row and row.body == text:
                        break
                    _race_point("doc")
                    version = current + 1
                    if row:
                        doc_id = row.id
                        done = conn.execute(
                            documents.update()
                            .where(documents.c.id == doc_id, documents.c.version == current)
                            .values(body=text, version=version, updated_by=user, updated_at=stamp)
                        ).rowcount
                    else:
                        doc_id = conn.execute(
                            _insert(conn, documents)
                            .values(
                                county_id=c.id,
                                kind=kind,
                                key=key,
                                body=text,
                                version=version,
                                updated_by=user,
                                updated_at=stamp,
                            )
                            .on_conflict_do_nothing()
                            .returning(documents.c.id)
                        ).scalar()
                        done = 0 if doc_id is None else 1
                    if done != 1:
                        raise _Retry
                    conn.execute(
                        document_history.insert().values(
                            document_id=doc_id, version=version, body=text, updated_by=user, updated_at=stamp
                        )
                    )
                return Document(kind, key, json.loads(text), version, user, stamp)
            except _Retry:
                continue
        else:
            raise StaleEdit(f"{kind} '{key}' is being saved by several people right now; try again")
        return self.get_doc(c.name, kind, key)

    def doc_history(self, county: str, kind: str, key: str) -> list[Document]:
        c = self.county(county)
        q = (
            sa.select(document_history)
            .select_from(document_history.join(documents, documents.c.id == document_history.c.document_id))
            .where(documents.c.county_id == c.id, documents.c.kind == kind, documents.c.key == key)
            .order_by(document_history.c.version)
        )
        with self._read() as conn:
            return [
                Document(kind, key, json.loads(r.body), r.version, r.updated_by, r.updated_at) for r in conn.execute(q)
            ]

    def delete_doc(self, county: str, kind: str, key: str, user: str) -> None:
        """Mark an entry deleted: its history stays, so nothing typed is lost."""
        doc = self.get_doc(county, kind, key)
        if doc is not None:
            self.put_doc(county, kind, key, {**doc.body, "_deleted": True}, user)

    # ------------------------------------------------------------ survey links
    def open_link(
        self,
        county: str,
        wave: str,
        user: str = "coordinator",
        invited: int | Mapping[str, int] | None = None,
        closes_on: dt.date | None = None,
    ) -> SurveyLink:
        """A new unguessable link to ``county``'s current survey, storing answers under ``wave``.

        ``invited`` is how many people it goes to, in all (a number) or per role group
        (``{"leadership": 12, ...}``, ids of the survey's role groups); ``closes_on`` the day the
        team means to close it (see :meth:`plan_link`).
        """
        c = self.county(county)
        inst = self.current_instrument(c.name)  # refuse now, not in front of a respondent
        wave = checks.label(wave, "wave label")
        plan = _link_plan(inst, invited, closes_on)
        token = link_token()
        stamp = now()
        by = checks.text(str(user or "")).strip()[:200] or "coordinator"
        with self._write() as conn:
            conn.execute(
                survey_links.insert().values(
                    token=token, county_id=c.id, wave=wave, opened_at=stamp, opened_by=by, **plan
                )
            )
        return self.link(token)

    def plan_link(self, token: str, invited: int | Mapping[str, int] | None, closes_on: dt.date | None) -> SurveyLink:
        """Set how many people a link went to and the day it is meant to close (None clears either)."""
        found = self.link(token)
        if found is None:
            raise InvalidValue(f"no survey link '{token}' in this workspace; 'orb survey list' shows them")
        plan = _link_plan(self.current_instrument(found.county), invited, closes_on)
        with self._write() as conn:
            conn.execute(survey_links.update().where(survey_links.c.token == token).values(**plan))
        return self.link(token)

    def role_counts(self, county: str, wave: str) -> dict[str, int]:
        """How many responses of ``wave`` came from each role group (every count, before any hiding)."""
        c = self.county(county)
        q = (
            sa.select(responses.c.role, sa.func.count())
            .select_from(responses.join(waves, waves.c.id == responses.c.wave_id))
            .where(responses.c.county_id == c.id, waves.c.label == str(wave), _visible)
            .group_by(responses.c.role)
        )
        with self._read() as conn:
            return {role: int(n) for role, n in conn.execute(q)}

    def close_link(self, token: str) -> SurveyLink:
        """Close a link: it then tells whoever opens it, kindly, that the survey has closed."""
        with self._write() as conn:
            conn.execute(
                survey_links.update()
                .where(survey_links.c.token == token, survey_links.c.closed_at.is_(None))
                .values(closed_at=now())
            )
        found = self.link(token)
        if found is None:
            raise InvalidValue(f"no survey link '{token}' in this workspace; 'orb survey list' shows them")
        return found

    def link(self, token: str) -> SurveyLink | None:
        """The link with this token, open or closed, or ``None``."""
        if not isinstance(token, str) or not 0 < len(token) <= 64:
            return None
        links = self._links(survey_links.c.token == token)
        return links[0] if links else None

    def links(self, county: str | None = None) -> list[SurveyLink]:
        """Every survey link, newest first (one county's with ``county``)."""
        where = sa.true() if county is None else survey_links.c.county_id == self.county(county).id
        return self._links(where)

    def _links(self, where) -> list[SurveyLink]:
        q = (
            sa.select(survey_links, counties.c.name)
            .select_from(survey_links.join(counties, counties.c.id == survey_links.c.county_id))
            .where(where)
            .order_by(survey_links.c.opened_at.desc())
        )
        with self._read() as conn:
            return [
                SurveyLink(
                    r.token,
                    r.name,
                    r.wave,
                    r.opened_at,
                    r.opened_by,
                    r.closed_at,
                    r.invited,
                    json.loads(r.invited_roles) if r.invited_roles else None,
                    r.closes_on,
                )
                for r in conn.execute(q)
            ]

    # ------------------------------------------------------------ demo workspaces
    def is_empty(self) -> bool:
        """True when the database holds no county yet."""
        with self._read() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(counties)).scalar() == 0

    def clear(self) -> None:
        """Remove every county and everything of theirs (a demo being made afresh)."""
        with self._write() as conn:
            for table in (
                answers,
                responses,
                imports,
                document_history,
                documents,
                survey_links,
                waves,
                instruments,
                counties,
            ):
                conn.execute(table.delete())
            conn.execute(meta.delete().where(meta.c.key != "schema_version"))


def _link_plan(inst: Instrument, invited, closes_on) -> dict:
    """The ``invited``, ``invited_roles`` and ``closes_on`` columns of a link, checked against the survey."""
    if closes_on is not None and not isinstance(closes_on, dt.date):
        raise InvalidValue(f"the closing day must be a date, not {closes_on!r}")
    if isinstance(closes_on, dt.datetime):
        closes_on = closes_on.date()
    by_role = None
    if isinstance(invited, Mapping):
        ids = [r.id for r in inst.roles]
        for role, n in invited.items():
            if role not in ids:
                raise InvalidValue(
                    f"'{role}' is not a role group of {inst.county}'s survey; use one of {', '.join(ids)}", key=role
                )
            _whole(n, f"the number invited for {role}")
        by_role = {r: int(invited[r]) for r in ids if r in invited}  # in the survey's order
        invited = sum(by_role.values()) if by_role else None
    elif invited is not None:
        _whole(invited, "the number invited")
    return {
        "invited": None if invited is None else int(invited),
        "invited_roles": json.dumps(by_role) if by_role else None,
        "closes_on": closes_on,
    }


def _whole(n, what: str) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or not 0 < n <= 1_000_000:
        raise InvalidValue(f"{what} must be a whole number above 0, not {n!r}")


class _Matching:
    """Which of an import's responses its wave already holds; one per import, fed batch by batch.

    The rules are the README's "How ORB tells a new response from one it already has":

    - a key (a tool's id, a paper id, a time to the second with role, the file's rows so far)
      matches the same key stored in this county and wave, or the key an earlier ORB Workbook
      gave a response (``legacy_key``);
    - a time known to the minute only matches by count: the n-th response of the file with one
      minute and role (or id) is held when the wave holds at least n with that minute and role;
      a time known to the second matches this way only responses stored to the minute;
    - a paper id held with other answers is refused, naming its row.
    """

    def __init__(self, county_id: int, wave_id: int | None, wave: str, file_name: str, on_skip=None):
        self.county_id, self.wave_id, self.wave, self.file_name = county_id, wave_id, wave, file_name
        self.on_skip = on_skip
        self.seen: set[str] = set()
        self.slots: dict[str, tuple[int, int]] = {}  # minute key -> (stored to the minute, stored in all)
        self.counted: Counter = Counter()

    def fresh(self, conn, rows: list[NewResponse]) -> list[NewResponse]:
        stored = self._stored_keys(conn, rows)
        self._count_slots(conn, rows)
        fresh, by_id = [], []
        for r in rows:
            how = self._held(r, stored)
            if how is None:
                fresh.append(r)
                if r.source_key:
                    self.seen.add(r.source_key)
                continue
            if how == "id" and r.origin and r.origin.typed_id:
                by_id.append(r)
            if self.on_skip:
                self.on_skip(r, how)
        if by_id:
            self._same_answers(conn, by_id)
        return fresh

    def _held(self, r: NewResponse, stored: dict[str, dt.datetime]) -> str | None:
        o = r.origin
        if (
            o is not None
            and o.legacy_key
            and o.legacy_key in stored
            and (not (o.minute_key and o.seconds) or _same_time(stored[o.legacy_key], r.submitted_at))
        ):
            return "earlier"
        if o is not None and o.minute_key and not o.seconds:
            return self._by_count(o.minute_key, everything=True)
        if r.source_key and (r.source_key in stored or r.source_key in self.seen):
            return o.kind if o is not None else "id"
        if o is not None and o.minute_key:
            return self._by_count(o.minute_key, everything=False)
        return None

    def _by_count(self, slot: str, everything: bool) -> str | None:
        self.counted[slot] += 1
        to_minute, every = self.slots.get(slot, (0, 0))
        return "minute" if self.counted[slot] <= (every if everything else to_minute) else None

    def _stored_keys(self, conn, rows: list[NewResponse]) -> dict[str, dt.datetime]:
        """The keys of ``rows`` (and their earlier keys) the wave holds, with when each was sent."""
        if self.wave_id is None:
            return {}
        keys = sorted({k for r in rows for k in (r.source_key, r.origin and r.origin.legacy_key) if k})
        found: dict[str, dt.datetime] = {}
        for start in range(0, len(keys), 500):
            found.update(
                conn.execute(
                    sa.select(responses.c.source_key, responses.c.submitted_at).where(
                        responses.c.county_id == self.county_id,
                        responses.c.wave_id == self.wave_id,
                        responses.c.source_key.in_(keys[start : start + 500]),
                    )
                ).all()
            )
        return found

    def _count_slots(self, conn, rows: list[NewResponse]) -> None:
        """How many responses the wave holds per minute, read once per minute before this import
        stores any of its own with that minute."""
        new = sorted({r.origin.minute_key for r in rows if r.origin and r.origin.minute_key} - self.slots.keys())
        for slot in new:
            self.slots[slot] = (0, 0)
        if self.wave_id is None:
            return
        for start in range(0, len(new), 500):
            q = (
                sa.select(responses.c.minute_key, responses.c.seconds, sa.func.count())
                .where(responses.c.wave_id == self.wave_id, responses.c.minute_key.in_(new[start : start + 500]))
                .group_by(responses.c.minute_key, responses.c.seconds)
            )
            for slot, seconds, n in conn.execute(q):
                to_minute, every = self.slots[slot]
                self.slots[slot] = (to_minute + (0 if seconds else n), every + n)

    def _same_answers(self, conn, rows: list[NewResponse]) -> None:
        """A paper id the wave holds is the same form imported again only with the same answers."""
        keys = [r.source_key for r in rows]
        held = {}
        for start in range(0, len(keys), 500):
            found = conn.execute(
                sa.select(responses.c.id, responses.c.source_key, responses.c.role, responses.c.comments).where(
                    responses.c.county_id == self.county_id,
                    responses.c.wave_id == self.wave_id,
                    responses.c.source_key.in_(keys[start : start + 500]),
                )
            ).all()
            ids = {row.id: row for row in found}
            given: dict[int, dict] = {i: {} for i in ids}
            for rid, item, value, dk in conn.execute(
                sa.select(answers.c.response_id, answers.c.item, answers.c.value, answers.c.dont_know).where(
                    answers.c.response_id.in_(list(ids))
                )
            ):
                given[rid][item] = "dk" if dk else value
            for rid, row in ids.items():
                held[row.source_key] = (row.role, given[rid], json.loads(row.comments or "{}"))
        for r in rows:
            if r.source_key not in held:  # matched within this file: the file refused that itself
                continue
            mine = (r.role, {k: v for k, v in r.answers.items() if v is not None}, dict(r.comments or {}))
            if mine != held[r.source_key]:
                o = r.origin
                raise ImportFileError(
                    self.file_name,
                    f"wave {self.wave} already holds a form with this id and "
                    f"other answers, so this row is another person, not the "
                    f"same form imported again; give every form of a wave "
                    f"its own id",
                    row=o.row,
                    column=o.id_column,
                    value=o.typed_id,
                )


def _same_time(stored: dt.datetime | None, sent: dt.datetime | None) -> bool:
    """Whether a response stored before schema 3 (its key made from the minute) was sent at ``sent``:
    the same second, or the same minute when the stored time has no seconds (an Excel re-save)."""
    if stored is None or sent is None:
        return True

    def utc(t: dt.datetime) -> dt.datetime:
        t = t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)
        return (t + dt.timedelta(microseconds=500_000)).replace(microsecond=0).astimezone(dt.timezone.utc)

    a, b = utc(stored), utc(sent)
    if stored.second == 0 and stored.microsecond == 0:
        return a.replace(second=0) == b.replace(second=0)
    return a == b


def _doc(row) -> Document:
    return Document(row.kind, row.key, json.loads(row.body), row.version, row.updated_by, row.updated_at)


def _owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _owner_alive(owner: str | None) -> bool:
    """Whether the process that started an import may still be writing it."""
    host, _, pid = (owner or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's import: only its age can tell
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
