"""``orb serve`` and ``orb lab``: the workbook in a browser.

``orb serve`` runs voila on 127.0.0.1 over the workbook notebooks, with their
code hidden and ORB's own page template, and the open survey links beside it
on the same port. ``orb serve --form`` serves only the survey links, as plain
server-rendered pages with no kernel per respondent (:mod:`orb_widgets.survey`).
``orb lab`` opens JupyterLab on the same notebooks and workspace for the
people who edit them, with the survey links too.

Security model, in short (README.md "Serving the workbook and the survey" has the long form):

* kernels run the notebook and then take widget messages only: code sent
  from a page is dropped (:mod:`orb_widgets.kernel`), and every widget value
  is checked in the kernel before it is stored;
* workspace and database come from the server's settings, never from a page;
  the county a person works on belongs to their page (``?county=NAME`` in its
  address, carried by the Start page's links and checked against the store),
  never to the workspace, so two people work on two counties at once;
  ``--county NAME --lock`` serves one county and every page, address, widget
  message and file request naming another is refused;
* a kernel whose page was closed (no websocket left) is shut down after
  :data:`CULL_IDLE_TIMEOUT` seconds; a connected kernel never is, nor one whose
  page is still loading (:class:`orb_widgets.pool.LoadingPagesKept`); its pending
  autosaves are written as it exits;
* voila runs in its own session, dies with ``orb serve`` (even a ``kill -9``
  of it), and stopping ``orb serve`` stops voila and every kernel it started.

This module stays import-light: ``orb`` imports it for every command.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from .exceptions import OrbError, WorkspaceError
from .proc import HOST, Served, child_env, free_port, runtime_folder
from .proc import start as start_process
from .resources import shipped
from .settings import Settings
from .survey.config import survey_config

TEMPLATE = "voila-orb"

#: A kernel with no page connected to it and idle this long is shut down
#: (seconds). A connected page's kernel is never culled, however quiet.
CULL_IDLE_TIMEOUT = 120
CULL_INTERVAL = 30
#: JupyterLab (``orb lab``) keeps the notebook server's idea of idle.
LAB_CULL_IDLE_TIMEOUT = 1800

#: Kernels kept started ahead of time for each step (voila's preheated kernels): the first person to
#: open a step gets a kernel that has already imported everything and is waiting for its county.
#: ``orb serve --pool N`` changes it for every step, ``--pool STEP=N`` for one (each idle kernel costs
#: memory: docs/guides/administrator.md).
DEFAULT_POOL = 1
#: Seconds voila waits after a pooled kernel is taken before starting its replacement: the pages
#: being opened get the processor first (a webinar opens one step all at once, and replacements
#: started at once would import everything while those pages are being drawn).
POOL_REFILL_DELAY = 30
#: Notebooks in the served folder that are never pages (the packet template).
NOT_PAGES = ("packet.ipynb",)

#: Headers on every served page: no framing by other sites, no referrer leaks.
SECURITY_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def notebooks_dir(settings: Settings | None = None) -> Path:
    """The notebooks to serve: the settings' (``$ORB_NOTEBOOKS``) when set, else the ones shipped with the package."""
    folder = (settings.notebooks if settings is not None else None) or shipped("notebooks")
    if not folder.is_dir():
        raise OrbError(f"cannot find the workbook notebooks in {folder}; set ORB_NOTEBOOKS to their folder")
    return folder.resolve()


def template_dir() -> Path:
    folder = shipped("templates") / TEMPLATE
    if not (folder / "index.html.j2").is_file():
        raise OrbError(f"cannot find the page template in {folder}")
    return folder


def refill_seconds(text: str) -> int:
    """``$ORB_POOL_REFILL``: whole seconds, 0 or more (empty: :data:`POOL_REFILL_DELAY`).

    >>> refill_seconds(""), refill_seconds("5")
    (30, 5)
    """
    if not text.strip():
        return POOL_REFILL_DELAY
    try:
        seconds = int(text.strip())
    except ValueError:
        seconds = -1
    if seconds < 0:
        raise OrbError(f"ORB_POOL_REFILL={text}: give whole seconds, 0 or more (default {POOL_REFILL_DELAY})")
    return seconds


def pool_sizes(pool=None) -> dict[str, int]:
    """Preheated kernels per step: ``{"default": N, "06-results.ipynb": M, ...}``.

    ``pool`` is a number (every step), a mapping, or ``orb serve --pool`` values
    (``"2"``, ``"06-results=8"``, ``"06-results.ipynb=8"``), later ones winning.

    >>> pool_sizes(["1", "06-results=8"])
    {'default': 1, '06-results.ipynb': 8}
    """
    sizes = {"default": DEFAULT_POOL}
    if pool is None:
        return sizes
    if isinstance(pool, int):
        return {"default": max(pool, 0)}
    items = (
        pool.items()
        if isinstance(pool, dict)
        else [(v.split("=", 1) if "=" in str(v) else ("default", v)) for v in pool]
    )
    for step, size in items:
        step = str(step).strip()
        try:
            n = int(str(size).strip())
        except ValueError:
            raise OrbError(
                f"--pool {step}={size}: the number of kernels must be a whole number, e.g. --pool 06-results=8"
            ) from None
        if n < 0:
            raise OrbError(f"--pool {step}={size}: the number of kernels cannot be negative")
        if step != "default" and not step.endswith(".ipynb"):
            step += ".ipynb"
        sizes[step] = n
    return sizes


def voila_config(
    port: int,
    token: str = "",
    cull_idle_timeout: int = CULL_IDLE_TIMEOUT,
    cull_interval: int = CULL_INTERVAL,
    pool=None,
    refill_delay: int = POOL_REFILL_DELAY,
) -> dict:
    """The voila configuration ``orb serve`` writes (as ``voila.json``) and starts with.

    ``pool``: preheated kernels per step (see :func:`pool_sizes`; 0 for none); ``refill_delay``:
    seconds before a taken kernel's replacement is started (:data:`POOL_REFILL_DELAY`).
    """
    sizes = pool_sizes(pool)
    preheat = any(n > 0 for n in sizes.values())
    return {
        "Voila": {
            "ip": HOST,
            "port": port,
            "port_retries": 0,
            "open_browser": False,
            "token": token,
            "kernel_websocket_connection_class": "orb_widgets.kernel.RestrictedWebsocketConnection",
            "tornado_settings": {"headers": dict(SECURITY_HEADERS)},
        },
        "VoilaConfiguration": {
            "template": TEMPLATE,
            "theme": "light",
            "strip_sources": True,
            "allow_template_override": "NO",
            "allow_theme_override": "NO",
            "show_tracebacks": False,
            # No files from the notebook folder are served, only rendered pages.
            "file_allowlist": [],
            "http_header_envs": [],
            # Pages show no code: skip the syntax-highlighting extension's scripts.
            "extension_denylist": ["jupyterlab_pygments"],
            # The workbook's home page lists named steps (templates/voila-orb/tree.html).
            "classic_tree": True,
            # Kernels started before anyone asks: a page waits for its request, then takes its county
            # from it (orb_widgets.widgets.context.page_settings).
            "preheat_kernel": preheat,
            "default_pool_size": sizes["default"],
        },
        # The class voila makes for preheated kernels (voila.voila_kernel_manager).
        "VoilaKernelManager": {
            "kernel_pools_config": {step: {"pool_size": n} for step, n in sizes.items()},
            "fill_delay": refill_delay,
            "preheat_denylist": list(NOT_PAGES),
        },
        "MappingKernelManager": {
            "cull_idle_timeout": cull_idle_timeout,
            "cull_interval": cull_interval,
            # Closed pages' kernels go; a page still open keeps its kernel.
            "cull_connected": False,
            "cull_busy": False,
        },
    }


def home_page_config(store=None, county: str = "") -> dict:
    """What the workbook's home page (``templates/voila-orb/tree.html``) reads from the page config:
    its steps and its sentence about the team, in the words of the served unit or workspace
    (:func:`orb_widgets.progress.workspace_words`; the default words without a ``store``)."""
    from .content import DEFAULT_WORDS
    from .progress import steps, workspace_words

    words = workspace_words(store, county) if store is not None else DEFAULT_WORDS
    return {
        "team": words.team,
        "unit": words.unit,
        "steps": {nb: {"title": title, "what": what} for nb, title, what in steps(words)},
    }


def _runtime(config: dict) -> Path:
    """A private folder with ``voila.json`` and the template where voila finds it.

    voila's kernel connection files (their keys) go in the same folder, so
    nothing of a server is left elsewhere in the temporary folder.
    """
    runtime = runtime_folder("orb-serve-")
    config = {**config, "Voila": {**config["Voila"], "connection_dir_root": str(runtime)}}
    target = runtime / "share" / "voila" / "templates" / TEMPLATE
    target.parent.mkdir(parents=True)
    try:
        target.symlink_to(template_dir(), target_is_directory=True)
    except OSError:
        shutil.copytree(template_dir(), target)
    (runtime / "voila.json").write_text(json.dumps(config, indent=2), "utf-8")
    return runtime


def launch(
    workspace=None,
    form: bool = False,
    county: str | None = None,
    wave: str | None = None,
    port: int | None = None,
    token: str | None = None,
    cull_idle_timeout: int = CULL_IDLE_TIMEOUT,
    cull_interval: int = CULL_INTERVAL,
    log_path: Path | None = None,
    lock: bool = False,
    settings: Settings | None = None,
    pool=None,
    refill_delay: int = POOL_REFILL_DELAY,
) -> Served:
    """Start voila in the background and return once it is listening.

    ``token=None`` means: a fresh random token for the workbook, none for the
    form (a survey link is meant to be opened by anyone who has it).
    ``lock=True`` (with ``county``) serves that one county's workbook only.
    ``settings`` come from the caller's application object (default: the
    defaults, for ``workspace``; the environment is not read here).
    ``pool``: kernels started ahead of time per step (:func:`pool_sizes`), each replaced
    ``refill_delay`` seconds after it is taken.
    """
    from .app import App

    settings = (settings or Settings()).with_(workspace=workspace or None)
    app = App(settings)
    folder = settings.workspace
    if not settings.database_url and not (folder / "orb.sqlite").exists():
        raise WorkspaceError(f"{folder} is not an ORB workspace yet: run 'orb init' or 'orb demo' first")
    if lock and (form or not county):
        raise OrbError('--lock needs the county to serve: orb serve --county "NAME" --lock')
    if form:  # survey links only: no voila, no workbook, no kernels (orb_widgets.survey)
        from .survey.app import launch_form

        return launch_form(app, county, wave, port=port or free_port(), log_path=log_path)
    if county:
        county = app.store.county(county).name
    if wave is not None and not str(wave).strip():
        raise OrbError("--wave needs a label, e.g. --wave 2026-spring")
    wave = str(wave).strip() if wave else ""
    if token is None:
        token = secrets.token_urlsafe(24)
    port = port or free_port()
    nb_dir = notebooks_dir(settings)
    sizes = pool_sizes(pool)
    steps = sorted(p.name for p in nb_dir.glob("*.ipynb") if p.name not in NOT_PAGES)
    for step in sizes.keys() - {"default", *steps}:
        raise OrbError(
            f"--pool {step.removesuffix('.ipynb')}: there is no such step; the steps are "
            f"{', '.join(s.removesuffix('.ipynb') for s in steps)}"
        )
    config = voila_config(port, token, cull_idle_timeout, cull_interval, pool=sizes, refill_delay=refill_delay)
    # The home page lists the steps in the served unit's words (a CPS workspace's speaks of municipalities).
    config["VoilaConfiguration"]["extension_config"] = {"orb": home_page_config(app.store, county or "")}
    config.update(survey_config(settings))  # open survey links are served beside the workbook
    runtime = _runtime(config)

    # What the kernels are told. One server account serves many people: never
    # pre-fill the last visitor's name.
    served = settings.with_(county="", wave="", form_county="", form_wave="", locked=False).with_(
        served=True, remember_name=False, county=county or "", wave=wave, locked=bool(lock)
    )
    env = child_env(served, drop=("QUERY_STRING",))
    env["MPLBACKEND"] = "Agg"
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(runtime / "share"), os.environ.get("JUPYTER_PATH")]))
    argv = [
        sys.executable,
        "-m",
        "orb_widgets.survey.app",
        "voila",
        str(nb_dir),
        f"--Voila.config_file_paths={runtime}",
        f"--Voila.root_dir={nb_dir}",
    ]
    log_path = Path(log_path) if log_path else runtime / "voila.log"
    log = open(log_path, "ab")
    # Its own session, so stopping it reaches all of it; and it dies with us.
    process = start_process(argv, env=env, log=log, cwd=nb_dir)
    result = Served(process, f"http://{HOST}:{port}/", token, runtime, log_path, log)
    try:
        result.wait_listening()
    except BaseException:
        result.stop()
        raise
    _forget_token(runtime)
    return result


def _forget_token(runtime: Path) -> None:
    """voila has read its configuration: the access token need not stay on disk."""
    path = runtime / "voila.json"
    config = json.loads(path.read_text("utf-8"))
    config["Voila"].pop("token", None)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(config, indent=2), "utf-8")
    tmp.replace(path)


# ---------------------------------------------------------------- commands
_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _stop_on_signals() -> dict:
    """Turn SIGTERM (and SIGHUP) into the same clean stop as Ctrl+C; returns the previous handlers."""

    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = {sig: signal.getsignal(sig) for sig in _SIGNALS}
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)
    # A shell starting `orb serve &` from a script makes it ignore Ctrl+C (SIGINT), and Python then
    # leaves it ignored: said again here, so an interrupt always stops the server and its kernels.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    return previous


def _remember_address(store, url: str) -> None:
    """Note where the workspace is served, so ``orb survey open`` prints links on this port."""
    from .survey.cli import SERVED_AT

    if store.get_meta(SERVED_AT) != url:
        store.set_meta(SERVED_AT, url)


def cmd_serve(args) -> int:
    settings = args.app.settings
    previous = _stop_on_signals()
    try:
        served = launch(
            form=args.form,
            county=args.county,
            wave=args.wave,
            port=args.port,
            token="" if args.no_token else None,
            log_path=args.log,
            lock=args.lock,
            settings=settings,
            pool=args.pool,
        )
    except BaseException:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        raise
    try:
        url = served.page_url()
        _remember_address(args.app.store, served.url)
        if args.form:
            from .survey.app import print_open_links

            print_open_links(args.app.store, served.url)
        else:
            what = f"{args.county}'s workbook (no other county can be opened)" if args.lock else "the workbook"
            print(f"Serving {what} at {url}", flush=True)
        print("Only this computer can open it (127.0.0.1). Press Ctrl+C to stop.", flush=True)
        if args.open:
            import webbrowser

            webbrowser.open(url)
        return served.process.wait()
    except KeyboardInterrupt:
        print("Stopping…", flush=True)
        return 0
    finally:
        for sig in _SIGNALS:
            signal.signal(sig, signal.SIG_IGN)  # a second Ctrl+C must not leave kernels behind
        try:
            served.stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def team_notebooks(settings: Settings) -> Path:
    """The notebooks a team opens in JupyterLab: ``$ORB_NOTEBOOKS``, else the workspace's own copies.

    The first time, the workspace gets copies of the shipped step notebooks
    (the installed ones are not the team's to edit, and an upgrade of ORB
    never overwrites the team's edits); the message says where they are.
    """
    if settings.notebooks:
        return notebooks_dir(settings)
    own = settings.workspace / "notebooks"
    if not own.is_dir():
        source = shipped("notebooks")
        steps = sorted(p for p in source.glob("*.ipynb") if p.name != "packet.ipynb")
        staging = settings.workspace / ".notebooks-copying"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for nb in steps:
            shutil.copy2(nb, staging / nb.name)
        staging.rename(own)  # all of them or none: a stopped copy is started afresh next time
        print(
            f"Copied the {len(steps)} workbook notebooks into {own}: your team's edits are kept there "
            f"(a new version of ORB never overwrites them).",
            flush=True,
        )
    return own


def cmd_lab(args) -> int:
    settings = args.app.settings.with_(county=args.county)
    nb_dir = team_notebooks(settings)
    env = child_env(settings.with_(form_county="", form_wave="", locked=False, served=False))
    argv = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.ip={HOST}",
        f"--ServerApp.root_dir={nb_dir}",
        f"--MappingKernelManager.cull_idle_timeout={LAB_CULL_IDLE_TIMEOUT}",
        f"--MappingKernelManager.cull_interval={CULL_INTERVAL}",
        "--ServerApp.jpserver_extensions={'orb_widgets.survey': True}",
        f"--SurveyConfig.workspace={settings.workspace}",
    ]
    if args.port:
        argv.append(f"--ServerApp.port={args.port}")
    if args.no_browser:
        argv.append("--no-browser")
    print(f"Opening JupyterLab on {nb_dir} with the workspace {settings.workspace}")
    try:
        return subprocess.call(argv, env=env)
    except KeyboardInterrupt:
        return 0


def add_cli(sub, common) -> None:
    s = sub.add_parser(
        "serve", parents=[common], help="serve the workbook (or only the survey form) in a browser, code hidden"
    )
    s.add_argument(
        "--form",
        action="store_true",
        help="serve only the survey links (every open link of every county; see 'orb survey')",
    )
    s.add_argument("--county", "--unit", help="the county pages open on (fixed on the server for --lock)")
    s.add_argument(
        "--lock", action="store_true", help="serve only --county's workbook: no page can open another county"
    )
    s.add_argument(
        "--wave",
        help="wave the form stores answers under (default: the open or latest wave); "
        "for the workbook, the wave its pages open on",
    )
    s.add_argument("--port", type=int, default=8866, help="port on 127.0.0.1 (default 8866)")
    s.add_argument(
        "--no-token", action="store_true", help="serve the workbook without an access token (the form never needs one)"
    )
    s.add_argument("--open", action="store_true", help="open the page in a web browser")
    s.add_argument("--log", metavar="FILE", help="write the server log to FILE")
    s.add_argument(
        "--pool",
        action="append",
        metavar="[STEP=]N",
        help=f"kernels kept ready for each step before anyone opens it (default {DEFAULT_POOL}; "
        f"0: none); STEP=N for one step, e.g. --pool 06-results=8 before a webinar "
        f"opens the results together; repeat for several",
    )
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("lab", parents=[common], help="open JupyterLab on the workbook notebooks")
    s.add_argument("--county", "--unit", help="the county the notebooks open on")
    s.add_argument("--port", type=int, default=None)
    s.add_argument("--no-browser", action="store_true")
    s.set_defaults(func=cmd_lab)
