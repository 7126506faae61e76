"""``orb serve`` and ``orb lab``: the workbook in a browser.

``orb serve`` runs voila on 127.0.0.1 over the workbook notebooks, with their
code hidden and ORB's own page template, and the open survey links beside it
on the same port. ``orb serve --form`` serves only the survey links, as plain
server-rendered pages with no kernel per respondent (:mod:`orb_widgets.survey`).
``orb lab`` opens JupyterLab on the same notebooks and workspace for the
people who edit them, with the survey links too.

Security model, in short (docs/serving.md has the long form):

* kernels run the notebook and then take widget messages only: code sent
  from a page is dropped (:mod:`orb_widgets.kernel`), and every widget value
  is checked in the kernel before it is stored;
* county, wave and workspace come from the server's environment, never from
  the query string (voila passes the query string to kernels only as
  ``QUERY_STRING``, which no ORB notebook reads);
* idle kernels are culled; respondent kernels are preheated so the form is
  ready in about a second.

This module stays import-light: ``orb`` imports it for every command.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .exceptions import OrbError, WorkspaceError
from .survey.config import survey_config

FORM_NOTEBOOK = "05-take-assessment.ipynb"
TEMPLATE = "voila-orb"
HOST = "127.0.0.1"

#: A kernel nobody has used for this long is shut down (seconds). A respondent
#: clicking answers keeps theirs alive; an abandoned tab's goes away.
CULL_IDLE_TIMEOUT = 1800
CULL_INTERVAL = 60
#: Preheated respondent kernels kept ready per form.
POOL_SIZE = 2

#: Headers on every served page: no framing by other sites, no referrer leaks.
SECURITY_HEADERS = {
    "Content-Security-Policy": "frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def project_dir() -> Path:
    """The folder holding ``notebooks/`` and ``templates/`` (the source checkout)."""
    return Path(__file__).resolve().parent.parent


def notebooks_dir() -> Path:
    folder = Path(os.environ.get("ORB_NOTEBOOKS") or project_dir() / "notebooks")
    if not folder.is_dir():
        raise OrbError(f"cannot find the workbook notebooks in {folder}; set ORB_NOTEBOOKS to their folder")
    return folder.resolve()


def template_dir() -> Path:
    folder = project_dir() / "templates" / TEMPLATE
    if not (folder / "index.html.j2").is_file():
        raise OrbError(f"cannot find the page template in {folder}")
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def voila_config(form: bool, port: int, pool_size: int = POOL_SIZE, token: str = "",
                 cull_idle_timeout: int = CULL_IDLE_TIMEOUT, cull_interval: int = CULL_INTERVAL) -> dict:
    """The voila configuration ``orb serve`` writes (as ``voila.json``) and starts with."""
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
            "preheat_kernel": bool(form and pool_size > 0),
            "default_pool_size": max(pool_size, 0) if form else 0,
        },
        "MappingKernelManager": {
            "cull_idle_timeout": cull_idle_timeout,
            "cull_interval": cull_interval,
            "cull_connected": True,
            "cull_busy": False,
        },
    }


@dataclass
class Served:
    """A running voila server (see :func:`launch`)."""

    process: subprocess.Popen
    url: str
    token: str
    runtime: Path
    log_path: Path
    _log: object = field(default=None, repr=False)

    def page_url(self, notebook: str | None = None) -> str:
        path = "" if notebook is None else f"voila/render/{notebook}"
        query = f"?token={self.token}" if self.token else ""
        return f"{self.url}{path}{query}"

    def log(self) -> str:
        return self.log_path.read_text("utf-8", "replace") if self.log_path.exists() else ""

    def stop(self, timeout: float = 10) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self._log is not None:
            self._log.close()
        shutil.rmtree(self.runtime, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def _runtime(config: dict) -> Path:
    """A private folder with ``voila.json`` and the template where voila finds it."""
    runtime = Path(tempfile.mkdtemp(prefix="orb-serve-"))
    target = runtime / "share" / "voila" / "templates" / TEMPLATE
    target.parent.mkdir(parents=True)
    try:
        target.symlink_to(template_dir(), target_is_directory=True)
    except OSError:
        shutil.copytree(template_dir(), target)
    (runtime / "voila.json").write_text(json.dumps(config, indent=2), "utf-8")
    return runtime


def launch(workspace, form: bool = False, county: str | None = None, wave: str | None = None,
           port: int | None = None, pool_size: int = POOL_SIZE, token: str | None = None,
           cull_idle_timeout: int = CULL_IDLE_TIMEOUT, cull_interval: int = CULL_INTERVAL,
           log_path: Path | None = None) -> Served:
    """Start voila in the background and return once it is listening.

    ``token=None`` means: a fresh random token for the workbook, none for the
    form (a survey link is meant to be opened by anyone who has it).
    """
    from .paths import workspace_dir

    folder = workspace_dir(workspace)
    if not os.environ.get("ORB_DATABASE_URL") and not (folder / "orb.sqlite").exists():
        raise WorkspaceError(f"{folder} is not an ORB workspace yet: run 'orb init' or 'orb demo' first")
    if form:  # survey links only: no voila, no workbook, no kernels (orb_widgets.survey)
        from .survey.app import launch_form

        return launch_form(folder, county, wave, port=port or free_port(), log_path=log_path)
    if county:
        from .store import Store

        county = Store.open(folder, create=False).county(county).name
    if token is None:
        token = "" if form else secrets.token_urlsafe(24)
    port = port or free_port()
    config = voila_config(form, port, pool_size, token, cull_idle_timeout, cull_interval)
    config.update(survey_config(folder))  # open survey links are served beside the workbook
    runtime = _runtime(config)
    nb_dir = notebooks_dir()
    target = nb_dir / FORM_NOTEBOOK if form else nb_dir
    if form and not target.is_file():
        raise OrbError(f"cannot find the form notebook {target}")

    env = {k: v for k, v in os.environ.items() if not k.startswith("ORB_FORM_")}
    env.pop("ORB_COUNTY", None)
    env.pop("ORB_WAVE", None)
    env["ORB_WORKSPACE"] = str(folder)
    env["ORB_SERVED"] = "1"
    # One server account serves many people: never pre-fill the last visitor's name.
    env["ORB_REMEMBER_NAME"] = "0"
    env["MPLBACKEND"] = "Agg"
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(runtime / "share"), os.environ.get("JUPYTER_PATH")]))
    if form:
        env["ORB_FORM_COUNTY"] = county
        if wave:
            env["ORB_FORM_WAVE"] = str(wave).strip()
    else:
        if county:
            env["ORB_COUNTY"] = county
        if wave:
            env["ORB_WAVE"] = str(wave).strip()
    argv = [sys.executable, "-m", "orb_widgets.survey.app", "voila", str(target), f"--Voila.config_file_paths={runtime}",
            f"--Voila.root_dir={nb_dir}"]
    log_path = Path(log_path) if log_path else runtime / "voila.log"
    log = open(log_path, "ab")
    process = subprocess.Popen(argv, env=env, cwd=str(nb_dir), stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL)
    served = Served(process, f"http://{HOST}:{port}/", token, runtime, log_path, log)
    try:
        _wait_listening(served)
    except BaseException:
        served.stop()
        raise
    return served


def _wait_listening(served: Served, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    probe = served.url + "voila/static/"  # any answer means the server is up
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            raise OrbError(f"the page server stopped at start-up; see its log:\n{served.log()[-2000:]}")
        try:
            urllib.request.urlopen(probe, timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            time.sleep(0.2)
    raise OrbError(f"the page server did not start within {timeout:.0f} s; see {served.log_path}")


# ---------------------------------------------------------------- commands
def cmd_serve(args) -> int:
    served = launch(args.workspace, form=args.form, county=args.county, wave=args.wave, port=args.port,
                    pool_size=args.pool_size, token="" if args.no_token else None,
                    log_path=args.log)
    url = served.page_url()
    if args.form:
        from .survey.app import print_open_links

        print_open_links(args.workspace, served.url)
    else:
        print(f"Serving the workbook at {url}")
    print("Only this computer can open it (127.0.0.1). Press Ctrl+C to stop.")
    if args.open:
        import webbrowser

        webbrowser.open(url)
    try:
        return served.process.wait()
    except KeyboardInterrupt:
        print("Stopping…")
        return 0
    finally:
        served.stop()


def cmd_lab(args) -> int:
    from .paths import workspace_dir

    folder = workspace_dir(args.workspace)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORB_FORM_")}
    env["ORB_WORKSPACE"] = str(folder)
    if args.county:
        env["ORB_COUNTY"] = args.county
    argv = [sys.executable, "-m", "jupyterlab", f"--ServerApp.ip={HOST}",
            f"--ServerApp.root_dir={notebooks_dir()}",
            f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_TIMEOUT}",
            f"--MappingKernelManager.cull_interval={CULL_INTERVAL}",
            "--ServerApp.jpserver_extensions={'orb_widgets.survey': True}",
            f"--SurveyConfig.workspace={folder}"]
    if args.port:
        argv.append(f"--ServerApp.port={args.port}")
    if args.no_browser:
        argv.append("--no-browser")
    print(f"Opening JupyterLab on {notebooks_dir()} with the workspace {folder}")
    try:
        return subprocess.call(argv, env=env)
    except KeyboardInterrupt:
        return 0


def add_cli(sub, common) -> None:
    s = sub.add_parser("serve", parents=[common],
                       help="serve the workbook (or only the survey form) in a browser, code hidden")
    s.add_argument("--form", action="store_true",
                   help="serve only the survey links (every open link of every county; see 'orb survey')")
    s.add_argument("--county", help="the county (fixed on the server for --form)")
    s.add_argument("--wave", help="wave the form stores answers under (default: the open or latest wave); "
                                  "for the workbook, the wave its pages open on")
    s.add_argument("--port", type=int, default=8866, help="port on 127.0.0.1 (default 8866)")
    s.add_argument("--pool-size", type=int, default=POOL_SIZE,
                   help=f"respondent kernels kept ready for --form (default {POOL_SIZE})")
    s.add_argument("--no-token", action="store_true",
                   help="serve the workbook without an access token (the form never needs one)")
    s.add_argument("--open", action="store_true", help="open the page in a web browser")
    s.add_argument("--log", metavar="FILE", help="write the server log to FILE")
    s.set_defaults(func=cmd_serve)

    s = sub.add_parser("lab", parents=[common], help="open JupyterLab on the workbook notebooks")
    s.add_argument("--county", help="the county the notebooks open on")
    s.add_argument("--port", type=int, default=None)
    s.add_argument("--no-browser", action="store_true")
    s.set_defaults(func=cmd_lab)
