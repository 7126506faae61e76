"""What passes between the parts of a packet run, as types: a task, its result, the manifest.

The runner hands each child a :class:`PacketTask`; the child answers with a
:class:`PacketResult`; the runner records each county as a
:class:`PacketEntry` in the :class:`Manifest` (``manifest.json`` in the
output folder), which the statewide index and the hub's packet page read. A
county's :class:`Status` is one of a few words, never a free string.

The manifest on disk keeps its field names (version 1). It is a cache of
what was built from what: one this version cannot read is dropped, and the
next run rebuilds every packet.

>>> m = Manifest.model_validate_json('{"version": 1, "packets": {"Alder": {"status": "ok", "html": "alder.html"}}}')
>>> m.packets["Alder"].status is Status.OK, m.packets["Alder"].pdf
(True, None)
>>> Manifest.read_text('{"version": 0, "packets": []}').packets
{}
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

#: The manifest's file name inside the output folder, and the version of its layout.
MANIFEST = "manifest.json"
MANIFEST_VERSION = 1


class Status(enum.StrEnum):
    """Where a county's packet stands in a run (and, but for ``skipped``, in the manifest)."""

    OK = "ok"  # built: its files are all in place
    SKIPPED = "skipped"  # unchanged since the manifest's build: not built again (in a run's results only)
    FAILED = "failed"  # the build failed; ``cell`` and ``error`` say where and why
    WRITING = "writing"  # the files were being written when the run ended: rebuilt next time


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore")


class PacketTask(_Model):
    """One county to build, as the runner hands it to a child (``county`` None: the synthetic preview)."""

    county: str | None
    slug: str
    wave: str | None = None
    workspace: str | None = None
    database_url: str | None = None
    pdf: bool = False
    fingerprint: str | None = None
    notebook: str | None = None
    hold: str | None = None  # a test hook's folder (:func:`orb_widgets.packets.hooks.hold`)


class IndexRow(_Model):
    """The statewide index's view of one county: element means, with hidden ones as None."""

    county: str = ""
    wave: str | None = None
    framework: str | None = None
    framework_title: str = ""
    n_respondents: int | None = None
    suppressed: bool = False
    points: int = 5
    min_group: int = 5
    element_names: dict[str, str] = Field(default_factory=dict)
    elements: dict[str, float | None] = Field(default_factory=dict)
    # per element, the bank statements its score is made of (sorted ids; the county's own never): counties
    # are set side by side on an element only where they asked the same ones
    statements: dict[str, list[str]] = Field(default_factory=dict)
    # the wave's survey link: how many it went to, the day it is meant to close, the day it was closed
    invited: int | None = None
    closes_on: dt.date | None = None
    closed_on: dt.date | None = None
    # the plan's follow-through: steps by status, and the dates of the steps still open (overdue and
    # due soon are judged on the day the index is drawn, so a packet kept from an earlier run stays right)
    steps: dict[str, int] = Field(default_factory=dict)
    open_due: list[dt.date] = Field(default_factory=list)
    webinar_steps: int = 0  # next steps the county's people named at the coach's webinars
    webinar_done: int = 0  # of which they reported done
    last_activity: dt.date | None = None  # the last day a workbook entry of the county was saved


class _Timings(_Model):
    seconds: float = 0.0
    run_seconds: float | None = None
    html_seconds: float | None = None
    pdf_seconds: float | None = None
    pdf_cpu_seconds: float | None = None
    peak_mb: float = 0.0


class PacketResult(_Timings):
    """What a child sends back: the page and PDF bytes when ``ok``, else where and why it failed."""

    county: str
    slug: str
    status: Status = Status.FAILED
    fingerprint: str | None = None
    error: str | None = None
    cell: str | None = None
    html: bytes | None = None
    pdf: bytes | None = None
    index_row: IndexRow | None = None
    pid: int | None = None

    @classmethod
    def failure(cls, task: PacketTask, error: str, cell: str | None = None) -> "PacketResult":
        return cls(
            county=task.county or "preview", slug=task.slug, fingerprint=task.fingerprint, error=error, cell=cell
        )


class PacketEntry(_Timings):
    """One county in the manifest (and in a run's results): its files, what they were built from, when."""

    county: str = ""
    slug: str = ""
    status: Status = Status.FAILED
    fingerprint: str | None = None
    error: str | None = None
    cell: str | None = None
    wave: str | None = None
    built: str = ""  # ISO time the files were written
    html: str | None = None  # file names inside the output folder
    pdf: str | None = None
    #: The formats built from ``fingerprint``: a run that asks for a PDF builds any packet without one.
    formats: list[Literal["html", "pdf"]] = Field(default_factory=list)
    index_row: IndexRow | None = None

    @model_validator(mode="before")
    @classmethod
    def _formats_of_an_older_manifest(cls, data):
        if isinstance(data, dict) and "formats" not in data:
            data = {**data, "formats": [f for f in ("html", "pdf") if data.get(f)]}
        return data

    def has(self, *formats: str) -> bool:
        """Whether every one of ``formats`` was built from this entry's fingerprint."""
        return set(formats) <= set(self.formats)


class FailedCounty(_Model):
    county: str
    cell: str | None = None
    error: str | None = None


class LastRun(_Model):
    """The last run in a few numbers, for the index page."""

    started: str = ""
    seconds: float = 0.0
    ok: int = 0
    skipped: int = 0
    failed: list[FailedCounty] = Field(default_factory=list)


class Manifest(_Model):
    """What is in an output folder: each county's packet, and the last run."""

    version: int = MANIFEST_VERSION
    packets: dict[str, PacketEntry] = Field(default_factory=dict)
    last_run: LastRun | None = None

    @classmethod
    def read_text(cls, text: str) -> "Manifest":
        """The manifest in ``text``; an empty one when it is of another version or not a manifest."""
        try:
            data = json.loads(text)
        except ValueError:
            return cls()
        if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
            return cls()
        try:
            return cls.model_validate(data)
        except ValidationError:
            return cls()

    @classmethod
    def load(cls, out: Path) -> "Manifest":
        """The manifest of the output folder ``out`` (empty when there is none yet)."""
        try:
            return cls.read_text((Path(out) / MANIFEST).read_text("utf-8"))
        except OSError:
            return cls()

    def dump(self) -> str:
        return self.model_dump_json(indent=1)


class RunReport(_Model):
    """What one run did: each county's entry, ``ok`` / ``skipped`` / ``failed`` (with cell and error).

    The one summary of a run: the command line prints :meth:`summary`, the
    hub's packet page shows :meth:`headline`, and the index page reads
    ``last_run()`` from the manifest.
    """

    out: Path
    results: list[PacketEntry] = Field(default_factory=list)
    started: str = ""
    seconds: float = 0.0

    @property
    def failed(self) -> list[PacketEntry]:
        return [r for r in self.results if r.status == Status.FAILED]

    @property
    def ok(self) -> bool:
        return not self.failed

    def count(self, status: Status) -> int:
        return sum(r.status == status for r in self.results)

    def headline(self) -> str:
        """``2 packets built, 1 already up to date, 1 failed, in 41.0 s.`` (counts of none left out, but the built)."""
        built, skipped, failed = self.count(Status.OK), self.count(Status.SKIPPED), len(self.failed)
        parts = [f"{built} packet{'s' * (built != 1)} built"]
        if skipped:
            parts.append(f"{skipped} already up to date")
        if failed:
            parts.append(f"{failed} failed")
        return f"{', '.join(parts)}, in {self.seconds:.1f} s."

    def summary(self) -> str:
        """The headline, where the index is, and a line for each county that failed (where and why)."""
        lines = [f"{self.headline()} Index: {self.out / 'index.html'}"]
        for r in self.failed:
            where = f" at {r.cell}" if r.cell else ""
            lines.append(f"FAILED {r.county}{where}: {r.error or 'unknown error'}")
        return "\n".join(lines)

    def last_run(self) -> LastRun:
        return LastRun(
            started=self.started,
            seconds=round(self.seconds, 2),
            ok=self.count(Status.OK),
            skipped=self.count(Status.SKIPPED),
            failed=[FailedCounty(county=r.county, cell=r.cell, error=r.error) for r in self.failed],
        )
