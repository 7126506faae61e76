"""Packets built from the hub: one build at a time, in a background process, and each county's state.

A coordinator presses "Build" on the packet page (:mod:`.packet_page`); the
server starts ``python -m orb_widgets.hub.packet_build`` and answers at once.
That process runs the packet runner (:func:`orb_widgets.packets.run_packets`)
into the workspace's ``packets`` folder and writes what it is doing to
``.hub-build.json`` there, so any coordinator's page shows the progress on
reload.

*One build at a time*, across every coordinator's server on the machine: the
server takes an exclusive ``flock`` on ``.hub-build.lock`` before it starts a
build and hands the locked file to the build process, which holds it until it
ends (however it ends). A second press finds the lock taken.

The build process stops with the server that started it (its parent), and
stopping it stops the runner's workers: nothing is left running.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import json
import os
import signal
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..app import App
from ..exceptions import OrbError
from ..settings import Settings

if TYPE_CHECKING:
    from ..packets.models import Manifest

#: The packet folder, inside the workspace.
FOLDER = "packets"
STATUS = ".hub-build.json"
LOCK = ".hub-build.lock"


def packets_dir(settings: Settings) -> Path:
    """Where the hub's packets go: ``<workspace>/packets``."""
    return settings.workspace / FOLDER


def _now() -> str:
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


# ------------------------------------------------------------------ what each county's packet is
@dataclass(frozen=True)
class CountyPacket:
    """One county's packet as the page shows it."""

    county: str
    state: str  # "none" | "current" | "stale" | "failed" | "building"
    built: str = ""  # ISO time the files were written
    wave: str = ""  # the survey wave the packet shows
    html: str = ""  # file names inside the packet folder
    pdf: str = ""
    error: str = ""


@dataclass(frozen=True)
class Build:
    """The last build started from the hub (empty ``state`` when none was)."""

    state: str = ""  # "running" | "done" | "stopped"
    counties: list[str] = field(default_factory=list)  # empty: all
    by: str = ""
    started: str = ""
    finished: str = ""
    summary: str = ""
    failed: list[str] = field(default_factory=list)

    @property
    def running(self) -> bool:
        return self.state == "running"


def _manifest(out: Path) -> Manifest:
    """The packet runner's manifest (what was built when, from what); empty when there is none."""
    from ..packets.models import Manifest  # the packet code (and pandas): loaded when a page asks, not at start

    return Manifest.load(out) if out.is_dir() else Manifest()


def _fingerprints(settings: Settings, counties: list[str]) -> dict[str, str]:
    """What each county's packet would be made from now (the runner skips a county whose print is unchanged)."""
    from .. import packets

    store = App(settings).store
    code = packets.code_fingerprint(packets.NOTEBOOK)
    return {name: packets.county_fingerprint(store, name, None, code) for name in counties}


def read_build(out: Path) -> Build:
    """The last hub build, as its process last wrote it; a build whose process is gone says "stopped"."""
    try:
        data = json.loads((out / STATUS).read_text("utf-8"))
    except (OSError, ValueError):
        return Build()
    build = Build(**{k: v for k, v in data.items() if k in Build.__dataclass_fields__})
    if build.running and not _locked(out):
        return Build(**{**build.__dict__, "state": "stopped"})
    return build


def follow_through(settings: Settings, counties: list[str], today, sort: str = "overdue") -> list[dict]:
    """Per county, the statewide index's follow-through figures from the packets last built (the same
    rows, :func:`orb_widgets.packets.index.follow_through_rows`), in the order ``sort`` names."""
    from ..packets.index import follow_through_rows, sort_follow_through

    rows = follow_through_rows(_manifest(packets_dir(settings)), counties, today)
    return sort_follow_through(rows, sort)


def county_packets(settings: Settings, counties: list[str], build: Build | None = None) -> list[CountyPacket]:
    """The state of each county's packet in the hub's packet folder.

    *current* means the files are there and nothing they are made from has
    changed since (answers, instruments, workbook entries, the packet code);
    *stale* means something has, and a build would make it again.
    """
    from ..packets.models import Status

    out = packets_dir(settings)
    manifest = _manifest(out)
    build = build or read_build(out)
    prints = _fingerprints(settings, counties)
    rows = []
    for name in counties:
        entry = manifest.packets.get(name)
        if entry is None:  # never built: no status of its own
            rows.append(CountyPacket(county=name, state="building" if _in(build, name) else "none"))
            continue
        html, pdf = entry.html or "", entry.pdf or ""
        have = bool(html) and (out / html).is_file()
        done_in_this_build = entry.built >= build.started
        if _in(build, name) and not done_in_this_build:
            state = "building"
        elif entry.status == Status.FAILED:
            state = "failed"
        elif entry.status == Status.OK and have:
            state = "current" if entry.fingerprint == prints[name] else "stale"
        else:
            state = "none"
        wave = (entry.index_row.wave if entry.index_row else None) or entry.wave
        rows.append(
            CountyPacket(
                county=name,
                state=state,
                built=entry.built,
                wave=str(wave or ""),
                html=html if have else "",
                pdf=pdf if pdf and (out / pdf).is_file() else "",
                error=str(entry.error or "") if state == "failed" else "",
            )
        )
    return rows


def _in(build: Build, county: str) -> bool:
    """Is ``county`` among those a running build is building?"""
    return build.running and (not build.counties or county in build.counties)


def packet_files(settings: Settings, counties: list[str], index: bool) -> dict[str, Path]:
    """The files of the packet folder one person may open, by name: their counties' HTML and PDF, and
    (``index``) the statewide overview. Names come from the runner's manifest, never from a request."""
    out = packets_dir(settings)
    if not out.is_dir():
        return {}
    manifest = _manifest(out)
    entries = [manifest.packets.get(c) for c in counties]
    names = [name for e in entries if e is not None for name in (e.html, e.pdf)]
    if index:
        names.append("index.html")
    files = {}
    for name in filter(None, names):
        path = (out / name).resolve()
        if path.parent == out.resolve() and path.is_file():
            files[name] = path
    return files


# ------------------------------------------------------------------ starting a build
def _locked(out: Path) -> bool:
    """Is a build holding the lock now?"""
    try:
        fd = os.open(out / LOCK, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops a lock taken just now
    return False


def start_build(settings: Settings, counties: list[str] | None, by: str) -> bool:
    """Start building ``counties`` (``None``: all) in the background; ``False`` if a build is running.

    Call it from the server's main thread: the build process is told to stop
    when the thread that started it ends (Linux ties it to that thread).
    """
    from .. import proc

    out = packets_dir(settings)
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd = os.open(out / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OrbError(f"cannot use the packet folder {out}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        _write_status(
            out,
            {
                "state": "running",
                "counties": list(counties or []),
                "by": by,
                "started": _now(),
                "finished": "",
                "summary": "",
                "failed": [],
            },
        )
        argv = [sys.executable, "-m", "orb_widgets.hub.packet_build", "--lock-fd", str(fd)]
        for name in counties or []:
            argv += ["--county", name]
        log = open(out / ".hub-build.log", "ab")
        try:
            process = proc.start(argv, env=proc.child_env(settings), log=log, pass_fds=(fd,))
        finally:
            log.close()
        threading.Thread(target=process.wait, name="orb-packet-build-reaper", daemon=True).start()
        return True
    finally:
        os.close(fd)  # the build process holds its own copy, and with it the lock, until it ends


def _write_status(out: Path, status: dict) -> None:
    from ..exports import write_atomic

    write_atomic(out / STATUS, json.dumps(status, indent=1))


# ------------------------------------------------------------------ the build process
def main(argv: list[str] | None = None) -> int:
    """``python -m orb_widgets.hub.packet_build --lock-fd N [--county NAME]…``, started by :func:`start_build`."""
    ap = argparse.ArgumentParser(prog="orb-hub-packet-build")
    ap.add_argument("--lock-fd", type=int, required=True)
    ap.add_argument("--county", "--unit", action="append", default=[])
    args = ap.parse_args(argv)
    app = App(Settings.from_env())  # this build process's entry point: the hub page started it with its settings
    out = packets_dir(app.settings)
    status = json.loads((out / STATUS).read_text("utf-8"))

    def stop(signum, frame):
        raise KeyboardInterrupt  # the runner stops its workers on the way out

    signal.signal(signal.SIGTERM, stop)
    workers = max(1, (os.cpu_count() or 2) // 2)  # leave the other half to the people working on the hub
    try:
        report = app.run_packets(counties=args.county or None, out=out, workers=workers, progress=False)
        status.update(state="done", summary=report.headline(), failed=[r.county for r in report.failed])
        code = 0
    except KeyboardInterrupt:
        status.update(state="stopped", summary="The build was stopped before it finished.")
        code = 130
    except OrbError as exc:
        status.update(state="done", summary=str(exc), failed=list(args.county))
        code = 1
    status["finished"] = _now()
    _write_status(out, status)
    os.close(args.lock_fd)
    return code


if __name__ == "__main__":
    sys.exit(main())
