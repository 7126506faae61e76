"""The workspace's tables, as SQLAlchemy Core metadata (schema version 4).

Text limits here are the ones :mod:`orb_widgets.store.checks` enforces before
anything reaches the database, so SQLite and PostgreSQL accept and refuse
the same values.
"""

from __future__ import annotations

import sqlalchemy as sa

#: Longest county name, wave label, workbook entry kind/key and person name.
NAME_MAX = 200
LABEL_MAX = 64

metadata = sa.MetaData()

meta = sa.Table(
    "meta", metadata, sa.Column("key", sa.String(64), primary_key=True), sa.Column("value", sa.Text, nullable=False)
)

counties = sa.Table(
    "counties",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(NAME_MAX), nullable=False, unique=True),
    # casefolded name: "BAYSIDE COUNTY" and "Bayside County" are one county
    sa.Column("name_key", sa.String(NAME_MAX), nullable=False, unique=True),
    sa.Column("slug", sa.String(80), nullable=False, unique=True),
    sa.Column("framework", sa.String(64)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # an owner of workbook entries that is not a county (the coach's webinar series)
    sa.Column("internal", sa.Boolean, nullable=False, server_default=sa.false()),
)

instruments = sa.Table(
    "instruments",
    metadata,
    sa.Column("id", sa.String(12), primary_key=True),
    sa.Column("county_id", sa.ForeignKey("counties.id"), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("county_id", "version"),
)

waves = sa.Table(
    "waves",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("county_id", sa.ForeignKey("counties.id"), nullable=False),
    sa.Column("label", sa.String(LABEL_MAX), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.UniqueConstraint("county_id", "label"),
)

imports = sa.Table(
    "imports",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("county_id", sa.ForeignKey("counties.id"), nullable=False),
    sa.Column("wave_id", sa.ForeignKey("waves.id"), nullable=False),
    sa.Column("file_name", sa.String(400), nullable=False),
    sa.Column("file_sha256", sa.String(64), nullable=False),
    sa.Column("added", sa.Integer, nullable=False),
    sa.Column("skipped", sa.Integer, nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    # "running" while its batches are written (and invisible), then "done"
    sa.Column("status", sa.String(16), nullable=False, server_default="done"),
    sa.Column("owner", sa.String(200)),
)

responses = sa.Table(
    "responses",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("respondent", sa.String(32), nullable=False, unique=True),
    sa.Column("county_id", sa.ForeignKey("counties.id"), nullable=False, index=True),
    sa.Column("wave_id", sa.ForeignKey("waves.id"), nullable=False, index=True),
    sa.Column("instrument_id", sa.ForeignKey("instruments.id"), nullable=False),
    sa.Column("role", sa.String(LABEL_MAX), nullable=False),
    # the answer to the optional "Which office or unit?" question (None: not asked, or not said)
    sa.Column("unit", sa.String(NAME_MAX)),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("source", sa.String(NAME_MAX), nullable=False),
    # what tells this response from another of its wave when a file is imported again
    # (README: "How ORB tells a new response from one it already has")
    sa.Column("source_key", sa.String(64)),
    # a timed response's minute (and role or id), shared by every download of it
    sa.Column("minute_key", sa.String(64)),
    # False when its file gave the time to the minute only (an Excel re-save)
    sa.Column("seconds", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("comments", sa.Text, nullable=False, default="{}"),
    # rows of an import still being written: never counted or shown
    sa.Column("import_id", sa.ForeignKey("imports.id", ondelete="CASCADE"), index=True),
    sa.Column("pending", sa.Boolean, nullable=False, server_default=sa.false()),
    # an identity belongs to its county and wave: paper ids restart in every wave
    sa.UniqueConstraint("county_id", "wave_id", "source_key", name="uq_responses_wave_source_key"),
    sa.Index("ix_responses_minute_key", "wave_id", "minute_key"),
)

answers = sa.Table(
    "answers",
    metadata,
    sa.Column("response_id", sa.ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("item", sa.String(16), primary_key=True),
    sa.Column("value", sa.Integer),
    sa.Column("dont_know", sa.Boolean, nullable=False, default=False),
)

documents = sa.Table(
    "documents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("county_id", sa.ForeignKey("counties.id"), nullable=False),
    sa.Column("kind", sa.String(LABEL_MAX), nullable=False),
    sa.Column("key", sa.String(NAME_MAX), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("updated_by", sa.String(NAME_MAX), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.UniqueConstraint("county_id", "kind", "key"),
)

document_history = sa.Table(
    "document_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("document_id", sa.ForeignKey("documents.id"), nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("updated_by", sa.String(NAME_MAX), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    # two saves can never both become "version 2"
    sa.UniqueConstraint("document_id", "version"),
)

survey_links = sa.Table(
    "survey_links",
    metadata,
    # the unguessable part of the link a respondent opens
    sa.Column("token", sa.String(64), primary_key=True),
    sa.Column("county_id", sa.ForeignKey("counties.id"), nullable=False, index=True),
    sa.Column("wave", sa.String(LABEL_MAX), nullable=False),
    sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("opened_by", sa.String(NAME_MAX), nullable=False),
    sa.Column("closed_at", sa.DateTime(timezone=True)),
    # how many people the link was sent to (the team's own count), and per role group as JSON
    # ({"leadership": 12, ...}) when the team counted by group; the total is then their sum
    sa.Column("invited", sa.Integer),
    sa.Column("invited_roles", sa.Text),
    # the day the team means to close it (shown as days left; the link is closed by hand)
    sa.Column("closes_on", sa.Date),
)
