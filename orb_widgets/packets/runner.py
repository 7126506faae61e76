"""``orb packets``' runner: which counties to build, in which processes, and the manifest.

For each county whose packet is out of date (its fingerprint changed), a fresh
child builds it (:mod:`.build`), locally in parallel or on a Dask cluster. The
manifest records a county as ``ok`` only once its files are all in place, so a
run stopped at any point leaves the rest to the next run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
import sys
import time
from collections import deque
from pathlib import Path

from .. import store as store_module
from .. import webinar
from ..exceptions import OrbError, PacketError
from ..exports import write_atomic
from ..paths import database_url, unique_slug
from ..resources import shipped
from ..settings import Settings
from ..store import Store
from .build import build_packet, forked_child, html_to_pdf, run_in_subprocess
from .files import INDEX_TEMPLATE, NOTEBOOK, PACKET_TEMPLATE, TEMPLATES
from .hooks import hold
from .index import render_index
from .models import MANIFEST, Manifest, PacketEntry, PacketResult, PacketTask, RunReport, Status
from .sections import KINDS, PREVIEW_URL


class Stopped(KeyboardInterrupt):
    """``orb packets`` was told to stop (SIGINT or SIGTERM); carries the exit code (128 + signal)."""

    def __init__(self, signum: int = signal.SIGINT):
        super().__init__(f"stopped by signal {signum}")
        self.exit_code = 128 + int(signum)


# A stop signal is remembered here as well as raised: Python drops an exception raised by a signal
# handler while a finaliser runs ("Exception ignored in: <Finalize object>"), and the run would then wait
# for its children for ever. The waiting loop also wakes on _WAKE and raises the remembered stop itself.
_STOP: list[int] = []
_WAKE: list[int] = []
#: What this process has warmed up already ("html", "pdf"): a second run in one process (a kernel, the
#: hub's server, a test session) has paid the first-use costs and skips the preview.
_WARMED: set[str] = set()


def request_stop(signum: int) -> None:
    """Remember a stop signal and wake the run's waiting loop (safe to call from a signal handler)."""
    _STOP.append(int(signum))
    for fd in _WAKE:
        try:
            os.write(fd, b"!")
        except OSError:
            pass


def clear_stop() -> None:
    """Forget a stop remembered by an earlier run in this process."""
    _STOP.clear()


def _raise_if_stopped() -> None:
    if _STOP:
        raise Stopped(_STOP[0])


def code_fingerprint(notebook: Path) -> str:
    h = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    files = [
        notebook,
        *sorted(TEMPLATES.glob(f"{PACKET_TEMPLATE}/**/*")),
        *sorted(INDEX_TEMPLATE.glob("**/*")),
        *sorted(TEMPLATES.glob("partials/*")),
        *sorted(package.glob("*.py")),
        *sorted(package.glob("packets/*.py")),
        *sorted(shipped("data").glob("*/pack.yaml")),
    ]
    for f in files:
        if f.is_file():
            h.update(f.name.encode())
            h.update(f.read_bytes())
    return h.hexdigest()


def county_fingerprint(store, county: str, wave: str | None, code: str) -> str:
    """Hash of everything a county's packet is made from: its answers, instruments, workbook, code."""
    h = hashlib.sha256()
    h.update(json.dumps([county, wave, code, store.get_meta("demo")]).encode())
    answers = store.answers_frame(county)
    if not answers.empty:
        answers = answers.sort_values(["wave", "respondent", "item"]).reset_index(drop=True)
    h.update(answers.to_csv(index=False).encode())
    h.update(json.dumps(store.comments(county), sort_keys=True, default=str).encode())
    for v in store.instrument_versions(county):
        h.update(json.dumps(store.instrument(v["id"]).model_dump(mode="json"), sort_keys=True).encode())
    # the survey links' invited counts and closing days (the cover says "42 of 60 answered", "closes in 5
    # days"): a change rebuilds the packet, and so does a new day while an open link has a closing day
    links = [(x.wave, x.invited, x.invited_roles, x.closes_on, x.closed_at) for x in store.links(county)]
    if any(x.closes_on and x.is_open for x in store.links(county)):
        links.append(dt.date.today())
    h.update(json.dumps(links, sort_keys=True, default=str).encode())
    for kind in KINDS:
        for d in store.list_docs(county, kind):
            h.update(json.dumps([kind, d.key, d.version, d.body], sort_keys=True, default=str).encode())
    # only this county's part of the webinars: another county's room notes never rebuild this packet
    h.update(webinar.packet_view(webinar.load_series(store), county).model_dump_json().encode())
    return h.hexdigest()


def _out_dir(out) -> Path:
    path = Path(out or "packets").expanduser().resolve()
    if path.exists() and not path.is_dir():
        raise PacketError(f"{path} is a file; give --out a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PacketError(f"cannot create the output folder {path}: {exc.strerror}") from None
    return path


def _inside(out: Path, name: str) -> Path:
    """``out / name``, refusing anything that would land outside ``out``."""
    target = (out / name).resolve()
    if target.parent != out or target.name != name:
        raise PacketError(f"refusing to write {target}: it is not inside {out}")
    return target


def load_manifest(out: Path) -> Manifest:
    """The manifest of the output folder ``out`` (:meth:`Manifest.load`)."""
    return Manifest.load(out)


def warm_up_pays(counties: int, workers: int, cores: int | None = None) -> bool:
    """Whether a run of ``counties`` packets on ``workers`` children is faster after :func:`warm_up`.

    The warm-up pays each first-use cost once, in the parent, then builds a preview
    packet. That is cheaper only when some core would build more than one packet:
    when every county has a child and every child a core of its own, the children pay
    those costs side by side, in the time the parent would pay them once, and the
    preview would only add its own build (a second, and another with the PDF).

    >>> warm_up_pays(2, workers=2, cores=2), warm_up_pays(3, workers=2, cores=2), warm_up_pays(3, workers=4, cores=2)
    (False, True, True)
    """
    cores = cores or os.cpu_count() or 1
    return counties > min(workers, cores)


def warm_up(pdf: bool = True) -> bool:
    """Import and exercise everything once before children are forked, on a synthetic preview county.

    No real county's data is touched here: the warm-up builds the packet of a
    fictional demo county in a private in-memory database (``county=None``),
    so every first-use cost (imports, fonts, IPython, templates, WeasyPrint)
    is paid once in the parent instead of once per child. A run with a core
    for each of its counties has no warm-up (:func:`warm_up_pays`): its
    children pay those costs side by side, and the preview would add its own
    build; nor has a second run in the same process, which paid them in its
    first.
    """
    wanted = {"html", "pdf"} if pdf else {"html"}
    if wanted <= _WARMED:
        return True
    import matplotlib

    matplotlib.use("Agg")
    result = build_packet(PacketTask(county=None, slug="warm-up"))
    store_module._ENGINES.pop(PREVIEW_URL, None)  # the preview database is not needed any more
    if pdf and result.status == Status.OK:
        # WeasyPrint's first use (fonts, styles, SVG) is paid on the cover and the first sections alone: a
        # third of the whole preview's printing time, and each child prints as fast afterwards.
        page = result.html.decode("utf-8")
        roles = page.find('id="roles"')  # the heading of the third section
        cut = page.rfind("<", 0, roles) if roles > 0 else -1
        try:
            html_to_pdf(page[:cut] if cut > 0 else page)  # the HTML parser closes what the cut left open
        except Exception:  # noqa: BLE001 - as below: each county reports its own error
            return False
    # A failing preview is not fatal: each county still runs and reports its own error.
    if result.status == Status.OK:
        _WARMED.update(wanted)
    return result.status == Status.OK


def _run_local(tasks: list[PacketTask], workers: int, on_result) -> None:
    """One forked child per county, at most ``workers`` at a time.

    If the run is interrupted (Ctrl-C, SIGTERM, an error), every running child
    is killed and reaped before the exception goes on: nothing is left behind.
    """
    import gc
    import multiprocessing as mp
    from multiprocessing.connection import wait

    ctx = mp.get_context("fork")
    # Everything loaded so far (libraries, the warm-up's caches) is moved out of the collector's reach: a
    # child's collections then walk only what the child made, instead of the parent's whole heap again and
    # again (about a sixth of a PDF's CPU), and they no longer copy the parent's pages into the child.
    gc.collect()
    gc.freeze()
    pending, running = deque(tasks), {}
    lifeline = os.pipe()  # children watch the read end; it reads EOF when this process is gone
    wake = os.pipe()
    os.set_blocking(wake[1], False)
    _WAKE.append(wake[1])
    try:
        while pending or running:
            _raise_if_stopped()
            while pending and len(running) < workers:
                task = pending.popleft()
                reader, writer = ctx.Pipe(duplex=False)
                proc = ctx.Process(
                    target=forked_child,
                    name=f"orb-packet-{task.slug}",
                    daemon=True,
                    args=(task, writer, [reader, *running], os.getpid(), lifeline),
                )
                # A stop signal arriving during the fork would otherwise run our handler in the child
                # too, or leave a started child that _stop_children does not know about.
                old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
                try:
                    proc.start()
                    running[reader] = (proc, task)
                finally:
                    signal.pthread_sigmask(signal.SIG_SETMASK, old)
                writer.close()
            ready = wait([*running, wake[0]])
            _raise_if_stopped()
            for reader in ready:
                if reader == wake[0]:
                    continue
                proc, task = running.pop(reader)
                try:
                    result = reader.recv()
                except (EOFError, OSError):
                    proc.join()
                    result = PacketResult.failure(
                        task, f"the packet process ended unexpectedly (exit code {proc.exitcode})"
                    )
                reader.close()
                proc.join()
                on_result(task, result)
    finally:
        _WAKE.remove(wake[1])
        _stop_children(running)
        for fd in (*lifeline, *wake):
            os.close(fd)
        gc.unfreeze()


def _stop_children(running: dict) -> None:
    """Kill and reap the children still running (a second Ctrl-C cannot cut this short)."""
    if not running:
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        for proc, _ in running.values():
            if proc.is_alive():
                proc.kill()
        for reader, (proc, _) in list(running.items()):
            proc.join()
            reader.close()
        running.clear()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _run_dask(tasks: list[PacketTask], scheduler, on_result) -> None:
    """Hand the same per-county tasks to a Dask cluster; each runs in a new process on a worker."""
    from distributed import Client, as_completed

    client = scheduler if isinstance(scheduler, Client) else None
    own = client is None
    if own:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise PacketError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    try:
        by_key, futures = {}, []
        for task in tasks:
            fut = client.submit(run_in_subprocess, task, pure=False, key=f"orb-packet-{task.slug}-{time.time_ns()}")
            by_key[fut.key] = task
            futures.append(fut)
        for fut in as_completed(futures):
            task = by_key[fut.key]
            try:
                result = fut.result()
            except Exception as exc:  # noqa: BLE001 - a worker died; report, go on
                result = PacketResult.failure(task, f"{type(exc).__name__}: {exc}")
            on_result(task, result)
    finally:
        if own:
            client.close()


def run_packets(
    workspace=None,
    counties: list[str] | None = None,
    wave: str | None = None,
    out="packets",
    workers: int | None = None,
    pdf: bool = True,
    force: bool = False,
    scheduler=None,
    progress: bool = True,
    notebook: str | os.PathLike | None = None,
    hold_dir: str | None = None,
    settings: Settings | None = None,
) -> RunReport:
    """Build the packets of ``counties`` (default: all) and the statewide index in ``out``.

    Unchanged counties (same data, template, notebook and code as in the
    manifest) are skipped unless ``force``. Raises :class:`OrbError` for a
    user's mistake; a county's failure is reported in the returned
    :class:`RunReport` and never stops the others.

    A county counts as built (in the manifest) only once its files are all in
    place, each written whole; a run cut off by Ctrl-C, SIGTERM or SIGKILL
    leaves the counties it had not finished to the next run. ``hold_dir`` is a
    test hook (see :func:`hold`). ``settings`` (from the caller's
    application object; default: the workspace's own SQLite file, as the
    environment is never read here) name the database; each child gets it in
    its task.
    """
    t0 = time.perf_counter()
    started = dt.datetime.now().astimezone()
    notebook = Path(notebook or NOTEBOOK).resolve()
    if not notebook.is_file():
        raise PacketError(f"{notebook}: the packet template notebook is missing")
    settings = (settings or Settings()).with_(workspace=workspace)
    workspace = settings.workspace
    url = database_url(settings=settings)
    store = Store.open(url, create=False, folder=workspace)
    known = [c.name for c in store.counties()]
    if counties:
        names = list(dict.fromkeys(store.county(n).name for n in counties))
    else:
        names = known
    if not names:
        raise PacketError(
            "this workspace has no counties, municipalities or schools yet: add one with 'orb instrument create' or try 'orb demo'"
        )
    if wave is not None and not any(str(wave) in store.waves(n) for n in names):
        raise PacketError(f"nothing here has a survey wave '{wave}'; leave out --wave for each one's latest")
    out = _out_dir(out)
    for stale in out.glob(".*.tmp"):  # pieces of a file a killed run was writing
        stale.unlink(missing_ok=True)
    manifest = Manifest.load(out)
    code = code_fingerprint(notebook)
    report = RunReport(out=out, started=started.isoformat(timespec="seconds"))
    slugs, tasks = {}, []
    for name in names:
        slug = unique_slug(name)
        while slug in slugs.values():
            slug = f"{slug}-x"
        slugs[name] = slug
        _inside(out, f"{slug}.html")
        if wave is not None and str(wave) not in store.waves(name):
            report.results.append(
                PacketEntry(
                    county=name,
                    slug=slug,
                    status=Status.FAILED,
                    error=f"no survey wave '{wave}' (waves: {', '.join(store.waves(name)) or 'none'})",
                )
            )
            continue
        fp = county_fingerprint(store, name, wave, code)
        prev = manifest.packets.get(name)
        # Skipped only when every format asked for was built from these inputs and is still there: a PDF left
        # by an earlier run (before an HTML-only one) is out of date even though its file exists.
        wanted = ("html", "pdf") if pdf else ("html",)
        have = prev is not None and prev.has(*wanted) and all((out / f"{slug}.{f}").is_file() for f in wanted)
        if not force and prev is not None and prev.fingerprint == fp and prev.status == Status.OK and have:
            report.results.append(prev.model_copy(update={"county": name, "status": Status.SKIPPED}))
            continue
        tasks.append(
            PacketTask(
                county=name,
                slug=slug,
                wave=wave,
                workspace=str(store.folder or ""),
                database_url=url,
                pdf=bool(pdf),
                fingerprint=fp,
                notebook=str(notebook),
                hold=hold_dir,
            )
        )
    store.engine.dispose()  # children open their own connections

    bar = None
    if tasks and progress:
        from tqdm import tqdm

        tqdm.monitor_interval = 0  # no monitor thread in a process that forks
        bar = tqdm(total=len(tasks), unit="county", desc="Packets", file=sys.stderr)

    def save():
        write_atomic(out / MANIFEST, manifest.dump())

    def on_result(task: PacketTask, result: PacketResult):
        entry = PacketEntry(
            county=task.county,
            slug=task.slug,
            status=result.status,
            fingerprint=task.fingerprint,
            error=result.error,
            cell=result.cell,
            wave=wave,
            seconds=round(result.seconds or 0, 3),
            run_seconds=result.run_seconds,
            html_seconds=result.html_seconds,
            pdf_seconds=result.pdf_seconds,
            pdf_cpu_seconds=result.pdf_cpu_seconds,
            peak_mb=round(result.peak_mb or 0, 1),
            built=dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        )
        previous = manifest.packets.get(task.county) or PacketEntry(county=task.county, slug=task.slug)
        if entry.status == Status.OK:
            # Not "ok" in the manifest until both files are in place: a run killed in between rebuilds it.
            manifest.packets[task.county] = previous.model_copy(update={"status": Status.WRITING, "fingerprint": None})
            save()
            try:
                write_atomic(_inside(out, f"{task.slug}.html"), result.html)
                entry.html = f"{task.slug}.html"
                entry.formats = ["html"]
                hold(hold_dir, f"{task.slug}.writing")
                if result.pdf:
                    write_atomic(_inside(out, f"{task.slug}.pdf"), result.pdf)
                    entry.pdf = f"{task.slug}.pdf"
                    entry.formats.append("pdf")
                else:  # an older PDF would disagree with the HTML just written
                    _inside(out, f"{task.slug}.pdf").unlink(missing_ok=True)
                entry.index_row = result.index_row
            except OrbError as exc:
                entry.status, entry.error, entry.cell = Status.FAILED, str(exc), "writing the files"
        report.results.append(entry)
        if entry.status == Status.OK:
            manifest.packets[task.county] = entry
        else:
            manifest.packets[task.county] = previous.model_copy(
                update={"status": Status.FAILED, "fingerprint": None, "error": entry.error, "cell": entry.cell}
            )
        save()
        if bar is not None:
            bar.update(1)
            if entry.status != Status.OK:
                bar.write(f"failed: {task.county}")

    try:
        if tasks:
            if scheduler:
                _run_dask(tasks, scheduler, on_result)
            else:
                workers = max(1, int(workers or os.cpu_count() or 1))
                if warm_up_pays(len(tasks), workers):
                    warm_up(pdf=pdf)
                _run_local(tasks, workers, on_result)
    finally:
        if bar is not None:
            bar.close()
    report.seconds = time.perf_counter() - t0
    manifest.last_run = report.last_run()
    save()
    write_atomic(_inside(out, "index.html"), render_index(manifest, known, store.get_meta("demo")))
    return report
