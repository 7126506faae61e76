"""The workspace's database: the only module that speaks SQL.

SQLite in the workspace folder by default; ``ORB_DATABASE_URL`` can name
PostgreSQL when many counties share one server. Every write is one
transaction. The schema carries a version number, checked on open, so an old
program never writes into a newer database (and the other way round).

>>> store = Store("sqlite:///:memory:")
>>> store.add_county("Example County").name
'Example County'
"""
from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError, OperationalError

from .exceptions import (InvalidValue, NoInstrument, OrbError, StaleEdit, UnknownCounty,
                         WorkspaceError)
from .instrument import Instrument, from_json
from .paths import DB_FILE, database_url, unique_slug, workspace_dir

SCHEMA_VERSION = 1

metadata = sa.MetaData()

meta = sa.Table("meta", metadata,
                sa.Column("key", sa.String(64), primary_key=True),
                sa.Column("value", sa.Text, nullable=False))

counties = sa.Table("counties", metadata,
                    sa.Column("id", sa.Integer, primary_key=True),
                    sa.Column("name", sa.String(200), nullable=False, unique=True),
                    sa.Column("slug", sa.String(80), nullable=False, unique=True),
                    sa.Column("framework", sa.String(64)),
                    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False))

instruments = sa.Table("instruments", metadata,
                       sa.Column("id", sa.String(12), primary_key=True),
                       sa.Column("county_id", sa.ForeignKey("counties.id"), nullable=False, index=True),
                       sa.Column("version", sa.Integer, nullable=False),
                       sa.Column("body", sa.Text, nullable=False),
                       sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
                       sa.UniqueConstraint("county_id", "version"))

waves = sa.Table("waves", metadata,
                 sa.Column("id", sa.Integer, primary_key=True),
                 sa.Column("county_id", sa.ForeignKey("counties.id"), nullable=False),
                 sa.Column("label", sa.String(64), nullable=False),
                 sa.Column("seq", sa.Integer, nullable=False),
                 sa.UniqueConstraint("county_id", "label"))

responses = sa.Table("responses", metadata,
                     sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("respondent", sa.String(32), nullable=False, unique=True),
                     sa.Column("county_id", sa.ForeignKey("counties.id"), nullable=False, index=True),
                     sa.Column("wave_id", sa.ForeignKey("waves.id"), nullable=False, index=True),
                     sa.Column("instrument_id", sa.ForeignKey("instruments.id"), nullable=False),
                     sa.Column("role", sa.String(64), nullable=False),
                     sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
                     sa.Column("source", sa.String(200), nullable=False),
                     sa.Column("source_key", sa.String(64)),
                     sa.Column("comments", sa.Text, nullable=False, default="{}"),
                     sa.UniqueConstraint("county_id", "source_key"))

answers = sa.Table("answers", metadata,
                   sa.Column("response_id", sa.ForeignKey("responses.id", ondelete="CASCADE"),
                             primary_key=True),
                   sa.Column("item", sa.String(16), primary_key=True),
                   sa.Column("value", sa.Integer),
                   sa.Column("dont_know", sa.Boolean, nullable=False, default=False))

documents = sa.Table("documents", metadata,
                     sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("county_id", sa.ForeignKey("counties.id"), nullable=False),
                     sa.Column("kind", sa.String(64), nullable=False),
                     sa.Column("key", sa.String(200), nullable=False),
                     sa.Column("body", sa.Text, nullable=False),
                     sa.Column("version", sa.Integer, nullable=False),
                     sa.Column("updated_by", sa.String(200), nullable=False),
                     sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
                     sa.UniqueConstraint("county_id", "kind", "key"))

document_history = sa.Table("document_history", metadata,
                            sa.Column("id", sa.Integer, primary_key=True),
                            sa.Column("document_id", sa.ForeignKey("documents.id"), nullable=False,
                                      index=True),
                            sa.Column("version", sa.Integer, nullable=False),
                            sa.Column("body", sa.Text, nullable=False),
                            sa.Column("updated_by", sa.String(200), nullable=False),
                            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False))

imports = sa.Table("imports", metadata,
                   sa.Column("id", sa.Integer, primary_key=True),
                   sa.Column("county_id", sa.ForeignKey("counties.id"), nullable=False),
                   sa.Column("wave_id", sa.ForeignKey("waves.id"), nullable=False),
                   sa.Column("file_name", sa.String(400), nullable=False),
                   sa.Column("file_sha256", sa.String(64), nullable=False),
                   sa.Column("added", sa.Integer, nullable=False),
                   sa.Column("skipped", sa.Integer, nullable=False),
                   sa.Column("at", sa.DateTime(timezone=True), nullable=False))


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
class NewResponse:
    """One person's answers, before it is stored.

    ``answers`` maps item id to a scale point (int), ``"dk"`` for don't know,
    or ``None`` for skipped.
    """

    role: str
    answers: Mapping[str, int | str | None]
    comments: Mapping[str, str] | None = None
    submitted_at: dt.datetime | None = None
    source_key: str | None = None


_ENGINES: dict[str, sa.Engine] = {}


def _engine(url: str) -> sa.Engine:
    if url not in _ENGINES:
        kwargs = {}
        if url.startswith("sqlite"):
            # Many respondent kernels write at once: wait for the lock instead of failing.
            kwargs["connect_args"] = {"timeout": 60, "check_same_thread": False}
            if ":memory:" in url or url == "sqlite://":
                kwargs["poolclass"] = sa.pool.StaticPool
        engine = sa.create_engine(url, **kwargs)
        if url.startswith("sqlite"):
            @event.listens_for(engine, "connect")
            def _pragmas(dbapi_conn, _record):
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA busy_timeout=60000")
                if ":memory:" not in url:
                    cur.execute("PRAGMA journal_mode=WAL")
                cur.close()
        _ENGINES[url] = engine
    return _ENGINES[url]


class Store:
    """Facade over the workspace database. Raises :class:`OrbError` subclasses only."""

    def __init__(self, url: str, create: bool = True):
        self.url = url
        self.engine = _engine(url)
        try:
            self._check_schema(create)
        except OperationalError as exc:
            raise WorkspaceError(f"cannot open the workspace database {url}: {exc.orig}") from None

    @classmethod
    def open(cls, workspace=None, create: bool = True) -> "Store":
        """Open (and, with ``create``, make) the store of a workspace folder."""
        folder = workspace_dir(workspace)
        url = database_url(workspace)
        if url.startswith("sqlite:///") and url.endswith(DB_FILE):
            if not create and not (folder / DB_FILE).exists():
                raise WorkspaceError(f"{folder} is not an ORB workspace yet: run 'orb init --workspace {folder}' "
                                     f"or 'orb demo --workspace {folder}'")
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise WorkspaceError(f"cannot create workspace folder {folder}: {exc.strerror}") from None
        store = cls(url, create=create)
        store.folder = folder
        return store

    folder: Path | None = None

    # ------------------------------------------------------------ schema
    def _check_schema(self, create: bool) -> None:
        with self.engine.begin() as conn:
            has_meta = sa.inspect(conn).has_table("meta")
            if not has_meta:
                if not create:
                    raise WorkspaceError(f"{self.url} holds no ORB Workbook data")
                metadata.create_all(conn)
                conn.execute(meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
                return
            row = conn.execute(sa.select(meta.c.value).where(meta.c.key == "schema_version")).first()
            version = int(row[0]) if row else 0
        if version > SCHEMA_VERSION:
            raise WorkspaceError(f"this workspace was written by a newer ORB Workbook (schema {version}, "
                                 f"this one reads {SCHEMA_VERSION}); upgrade orb-workbook")
        if version < SCHEMA_VERSION:
            raise WorkspaceError(f"this workspace uses an old schema ({version}); "
                                 f"run 'orb init --upgrade' to bring it to {SCHEMA_VERSION}")

    # ------------------------------------------------------------ workspace settings
    def set_meta(self, key: str, value: str) -> None:
        with self.engine.begin() as conn:
            if conn.execute(sa.select(meta.c.key).where(meta.c.key == key)).first():
                conn.execute(meta.update().where(meta.c.key == key).values(value=value))
            else:
                conn.execute(meta.insert().values(key=key, value=value))

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(meta.c.value).where(meta.c.key == key)).first()
        return row[0] if row else default

    # ------------------------------------------------------------ counties
    def add_county(self, name: str, framework: str | None = None) -> County:
        name = (name or "").strip()
        if not name:
            raise InvalidValue("a county needs a name")
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(counties).where(counties.c.name == name)).first()
            if row:
                return County(row.id, row.name, row.slug, row.framework)
            slug = unique_slug(name)
            res = conn.execute(counties.insert().values(name=name, slug=slug, framework=framework,
                                                        created_at=now()))
            return County(res.inserted_primary_key[0], name, slug, framework)

    def counties(self) -> list[County]:
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(counties).order_by(counties.c.name)).all()
        return [County(r.id, r.name, r.slug, r.framework) for r in rows]

    def county(self, name: str) -> County:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(counties).where(counties.c.name == name)).first()
            if row is None:  # be forgiving about case, never about spelling
                row = conn.execute(sa.select(counties)
                                   .where(sa.func.lower(counties.c.name) == name.strip().lower())).first()
        if row is None:
            raise UnknownCounty(name, [c.name for c in self.counties()])
        return County(row.id, row.name, row.slug, row.framework)

    # ------------------------------------------------------------ instruments
    def save_instrument(self, inst: Instrument) -> tuple[str, int]:
        """Store a county's instrument; returns ``(id, version)``.

        The same content is the same version. A changed instrument replaces the
        current version only while nobody has answered it; once responses
        exist it becomes a new version, so earlier waves keep their questions.
        """
        county = self.add_county(inst.county, inst.framework)
        body = json.dumps(inst.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        with self.engine.begin() as conn:
            same = conn.execute(sa.select(instruments.c.version).where(instruments.c.id == inst.id)).first()
            if same:
                return inst.id, same.version
            current = conn.execute(sa.select(instruments.c.id, instruments.c.version)
                                   .where(instruments.c.county_id == county.id)
                                   .order_by(instruments.c.version.desc())).first()
            version = 1
            if current:
                answered = conn.execute(sa.select(sa.func.count()).select_from(responses)
                                        .where(responses.c.instrument_id == current.id)).scalar()
                if answered:
                    version = current.version + 1
                else:
                    version = current.version
                    conn.execute(instruments.delete().where(instruments.c.id == current.id))
            conn.execute(instruments.insert().values(id=inst.id, county_id=county.id, version=version,
                                                     body=body, created_at=now()))
            conn.execute(counties.update().where(counties.c.id == county.id)
                         .values(framework=inst.framework))
        self._write_instrument_file(county, inst, version)
        return inst.id, version

    def _write_instrument_file(self, county: County, inst: Instrument, version: int) -> None:
        if self.folder is None:
            return
        folder = self.folder / "instruments" / county.slug
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"v{version}-{inst.id}.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(inst.model_dump(mode="json"), indent=2, ensure_ascii=False), "utf-8")
        tmp.replace(path)

    def instrument(self, instrument_id: str) -> Instrument:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(instruments.c.body).where(instruments.c.id == instrument_id)).first()
        if row is None:
            raise OrbError(f"no instrument with id '{instrument_id}' in this workspace")
        return from_json(json.loads(row.body))

    def current_instrument(self, county: str) -> Instrument:
        c = self.county(county)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(instruments.c.body).where(instruments.c.county_id == c.id)
                               .order_by(instruments.c.version.desc())).first()
        if row is None:
            raise NoInstrument(c.name)
        return from_json(json.loads(row.body))

    def instrument_versions(self, county: str) -> list[dict]:
        c = self.county(county)
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(instruments.c.id, instruments.c.version, instruments.c.created_at)
                                .where(instruments.c.county_id == c.id)
                                .order_by(instruments.c.version)).all()
        return [dict(id=r.id, version=r.version, created_at=r.created_at) for r in rows]

    # ------------------------------------------------------------ waves
    def _wave_id(self, conn, county_id: int, label: str) -> int:
        label = str(label).strip()
        if not label:
            raise InvalidValue("a wave needs a label, e.g. --wave 2026-spring")
        row = conn.execute(sa.select(waves.c.id).where(waves.c.county_id == county_id,
                                                       waves.c.label == label)).first()
        if row:
            return row.id
        seq = conn.execute(sa.select(sa.func.coalesce(sa.func.max(waves.c.seq), 0))
                           .where(waves.c.county_id == county_id)).scalar() + 1
        return conn.execute(waves.insert().values(county_id=county_id, label=label, seq=seq)
                            ).inserted_primary_key[0]

    def waves(self, county: str) -> list[str]:
        """The county's wave labels, oldest first (the order they were first used)."""
        c = self.county(county)
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(waves.c.label).where(waves.c.county_id == c.id)
                                     .order_by(waves.c.seq)).scalars())

    # ------------------------------------------------------------ responses
    def add_responses(self, county: str, wave: str, items: Iterable[NewResponse],
                      instrument: Instrument | None = None, source: str = "form") -> tuple[int, int]:
        """Store responses in one transaction, all or nothing.

        Every answer is checked against the instrument (known item, on the
        scale, known role group) here, on the server side, whatever the client
        sent. A response whose ``source_key`` was stored before is skipped, so
        importing the same file twice does not double anyone. Returns
        ``(added, skipped)``.
        """
        c = self.county(county)
        inst = instrument or self.current_instrument(c.name)
        if inst.county != c.name:
            raise InvalidValue(f"this survey belongs to {inst.county!r}, not {c.name!r}")
        rows = [self._checked(inst, r) for r in items]
        added = skipped = 0
        with self.engine.begin() as conn:
            if not conn.execute(sa.select(instruments.c.id).where(instruments.c.id == inst.id)).first():
                raise InvalidValue(f"survey version {inst.id} is not saved for {c.name}")
            wave_id = self._wave_id(conn, c.id, wave)
            keys = [r.source_key for r in rows if r.source_key]
            seen = set()
            if keys:
                for chunk in range(0, len(keys), 500):
                    seen |= set(conn.execute(sa.select(responses.c.source_key).where(
                        responses.c.county_id == c.id,
                        responses.c.source_key.in_(keys[chunk:chunk + 500]))).scalars())
            answer_rows = []
            for r in rows:
                if r.source_key and r.source_key in seen:
                    skipped += 1
                    continue
                if r.source_key:
                    seen.add(r.source_key)
                rid = conn.execute(responses.insert().values(
                    respondent=secrets.token_hex(8), county_id=c.id, wave_id=wave_id,
                    instrument_id=inst.id, role=r.role, submitted_at=r.submitted_at or now(),
                    source=source[:200], source_key=r.source_key,
                    comments=json.dumps(dict(r.comments or {}), ensure_ascii=False),
                )).inserted_primary_key[0]
                for item, value in r.answers.items():
                    if value is None:
                        continue
                    dk = value == "dk"
                    answer_rows.append({"response_id": rid, "item": item,
                                        "value": None if dk else int(value), "dont_know": dk})
                added += 1
            if answer_rows:
                conn.execute(answers.insert(), answer_rows)
        return added, skipped

    def add_response(self, county: str, wave: str, response: NewResponse,
                     instrument: Instrument | None = None) -> None:
        self.add_responses(county, wave, [response], instrument=instrument, source="form")

    @staticmethod
    def _checked(inst: Instrument, r: NewResponse) -> NewResponse:
        try:
            role = inst.role(str(r.role)).id
        except KeyError:
            raise InvalidValue(f"'{r.role}' is not one of this survey's role groups "
                               f"({', '.join(x.label for x in inst.roles)})") from None
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
                comments[key] = text[:5000]
        return NewResponse(role=role, answers=clean, comments=comments,
                           submitted_at=r.submitted_at, source_key=r.source_key)

    def response_count(self, county: str, wave: str | None = None) -> int:
        c = self.county(county)
        q = sa.select(sa.func.count()).select_from(responses).where(responses.c.county_id == c.id)
        if wave is not None:
            q = q.join(waves, waves.c.id == responses.c.wave_id).where(waves.c.label == str(wave))
        with self.engine.connect() as conn:
            return conn.execute(q).scalar()

    def answers_frame(self, county: str):
        """All of a county's answers, long: one row per respondent and item.

        Columns: ``respondent``, ``wave``, ``role``, ``instrument_id``, ``item``,
        ``value`` (float, NaN for don't know), ``dont_know`` (bool). Respondents
        are random ids; nothing here identifies a person.
        """
        import pandas as pd

        c = self.county(county)
        q = (sa.select(responses.c.respondent, waves.c.label.label("wave"), responses.c.role,
                       responses.c.instrument_id, answers.c.item, answers.c.value, answers.c.dont_know)
             .select_from(answers.join(responses, responses.c.id == answers.c.response_id)
                          .join(waves, waves.c.id == responses.c.wave_id))
             .where(responses.c.county_id == c.id))
        with self.engine.connect() as conn:
            df = pd.DataFrame(conn.execute(q).all(),
                              columns=["respondent", "wave", "role", "instrument_id", "item", "value",
                                       "dont_know"])
        df["value"] = pd.to_numeric(df["value"], errors="coerce").astype(float)
        df["dont_know"] = df["dont_know"].astype(bool)
        for col in ("respondent", "wave", "role", "instrument_id", "item"):
            df[col] = df[col].astype(str)
        return df

    def comments(self, county: str, wave: str | None = None) -> list[dict]:
        """Free-text comments with their element and role group (never who wrote them)."""
        c = self.county(county)
        q = (sa.select(waves.c.label, responses.c.role, responses.c.comments)
             .select_from(responses.join(waves, waves.c.id == responses.c.wave_id))
             .where(responses.c.county_id == c.id))
        if wave is not None:
            q = q.where(waves.c.label == str(wave))
        out = []
        with self.engine.connect() as conn:
            for label, role, body in conn.execute(q):
                for element, text in json.loads(body or "{}").items():
                    out.append({"wave": label, "role": role, "element": element, "text": text})
        return out

    def record_import(self, county: str, wave: str, file_name: str, sha256: str, added: int,
                      skipped: int) -> None:
        c = self.county(county)
        with self.engine.begin() as conn:
            wave_id = self._wave_id(conn, c.id, wave)
            conn.execute(imports.insert().values(county_id=c.id, wave_id=wave_id, file_name=file_name[:400],
                                                 file_sha256=sha256, added=added, skipped=skipped, at=now()))

    # ------------------------------------------------------------ workbook documents
    def get_doc(self, county: str, kind: str, key: str) -> Document | None:
        c = self.county(county)
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(documents).where(documents.c.county_id == c.id,
                                                          documents.c.kind == kind,
                                                          documents.c.key == key)).first()
        return _doc(row) if row else None

    def list_docs(self, county: str, kind: str) -> list[Document]:
        c = self.county(county)
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(documents).where(documents.c.county_id == c.id,
                                                           documents.c.kind == kind)
                                .order_by(documents.c.id)).all()
        return [_doc(r) for r in rows]

    def put_doc(self, county: str, kind: str, key: str, body: Mapping, user: str,
                expected_version: int | None = None) -> Document:
        """Save a workbook entry; every version is kept in the history.

        With ``expected_version``, refuse (:class:`StaleEdit`) when someone else
        saved in between, so two teammates never silently overwrite each other.
        """
        c = self.county(county)
        text = json.dumps(dict(body), ensure_ascii=False, sort_keys=True, default=str)
        user = (user or "someone").strip()[:200] or "someone"
        stamp = now()
        for attempt in range(3):
            try:
                with self.engine.begin() as conn:
                    row = conn.execute(sa.select(documents.c.id, documents.c.version, documents.c.body)
                                       .where(documents.c.county_id == c.id, documents.c.kind == kind,
                                              documents.c.key == key)).first()
                    current = row.version if row else 0
                    if expected_version is not None and expected_version != current:
                        raise StaleEdit(f"{kind} '{key}' was changed by someone else since you opened it "
                                        f"(version {current}, yours {expected_version}); reload to see it")
                    if row and row.body == text:
                        return self.get_doc(county, kind, key)
                    version = current + 1
                    if row:
                        doc_id = row.id
                        conn.execute(documents.update().where(documents.c.id == doc_id).values(
                            body=text, version=version, updated_by=user, updated_at=stamp))
                    else:
                        doc_id = conn.execute(documents.insert().values(
                            county_id=c.id, kind=kind, key=key, body=text, version=version,
                            updated_by=user, updated_at=stamp)).inserted_primary_key[0]
                    conn.execute(document_history.insert().values(
                        document_id=doc_id, version=version, body=text, updated_by=user, updated_at=stamp))
                break
            except IntegrityError:
                if attempt == 2:
                    raise StaleEdit(f"{kind} '{key}' is being saved by someone else right now; try again") \
                        from None
        return Document(kind, key, json.loads(text), version, user, stamp)

    def doc_history(self, county: str, kind: str, key: str) -> list[Document]:
        c = self.county(county)
        q = (sa.select(document_history).select_from(
            document_history.join(documents, documents.c.id == document_history.c.document_id))
             .where(documents.c.county_id == c.id, documents.c.kind == kind, documents.c.key == key)
             .order_by(document_history.c.version))
        with self.engine.connect() as conn:
            return [Document(kind, key, json.loads(r.body), r.version, r.updated_by, r.updated_at)
                    for r in conn.execute(q)]

    def delete_doc(self, county: str, kind: str, key: str, user: str) -> None:
        """Mark an entry deleted: its history stays, so nothing typed is lost."""
        doc = self.get_doc(county, kind, key)
        if doc is not None:
            self.put_doc(county, kind, key, {**doc.body, "_deleted": True}, user)


def _doc(row) -> Document:
    return Document(row.kind, row.key, json.loads(row.body), row.version, row.updated_by, row.updated_at)
