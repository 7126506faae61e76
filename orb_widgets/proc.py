"""Child processes: how ORB starts, watches and stops the processes it runs.

Four places start one: ``orb serve`` (voila), ``orb serve --form`` (the survey-only
server), the hub's packet page (a packet build) and ``orb packets`` (one child per
county). They share these rules, kept here once:

* **It dies with its parent.** A server started by ``orb serve`` gets SIGTERM when
  ``orb serve`` dies, even by ``kill -9`` (:func:`die_with_parent`); a packet child is
  killed at once and also watches a pipe from its parent (:func:`guard_child`).
* **It runs in its own session** (:func:`start`), so stopping it reaches every process
  it started: voila's kernels too (:meth:`Served.stop`).
* **It gets a clean environment** (:func:`child_env`): ORB's own variables are dropped
  and the caller's settings given instead, so a child never acts on a variable meant
  for its parent (another workspace, another county).
* **Its files are private** (:func:`runtime_folder`): a 0700 folder naming its owner,
  removed when the server stops, or by the next server once the owner has died.

Nothing here imports the store, the servers or the widgets.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .exceptions import OrbError
from .settings import Settings

#: Servers ORB starts listen on this computer only.
HOST = "127.0.0.1"

#: Where a server keeps its configuration, log and (voila) kernel connection files: a folder
#: ``<prefix>XXXX`` in the temporary folder, 0700, holding :data:`OWNER_FILE`.
RUNTIME_PREFIXES = ("orb-serve-", "orb-form-")
OWNER_FILE = "owner.json"

_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def free_port() -> int:
    """A port nobody listens on now, on :data:`HOST`."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


# ---------------------------------------------------------------- the environment
def child_env(settings: Settings | None = None, *, drop: tuple[str, ...] = ()) -> dict[str, str]:
    """The environment for a child: this one without ORB's own variables (and the names in ``drop``),
    with ``settings`` given as variables instead (:meth:`Settings.to_env`)."""
    dropped = set(Settings.OWN_VARIABLES) | set(drop)
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    if settings is not None:
        env.update(settings.to_env())
    return env


# ---------------------------------------------------------------- dying with the parent
def _ask_linux_for(sig: int) -> None:
    """Have Linux send ``sig`` to this process when its parent ends (however it ends)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        except (OSError, AttributeError):
            pass


def die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """``preexec_fn`` of a server: SIGTERM when its parent dies, so it shuts down its own children."""
    _ask_linux_for(signal.SIGTERM)


def guard_child(parent_pid: int, lifeline: int | None = None) -> None:
    """Make this (forked or started) child end as soon as the parent that started it ends.

    Three guards, so no child ever outlives its parent or waits on it: Ctrl-C
    and SIGTERM end the child at once (no clean-up that could block on a pipe);
    on Linux the kernel kills the child when its parent dies (even by SIGKILL);
    and a watchdog thread ends the child when the parent's end of the
    ``lifeline`` pipe closes (or, without one, when the parent pid changes).
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})  # blocked by the fork
    _ask_linux_for(signal.SIGKILL)
    if os.getppid() != parent_pid:  # the parent died before the guard was in place
        os._exit(1)

    def watch():
        if lifeline is not None:
            try:
                while os.read(lifeline, 1):
                    pass
            except OSError:
                pass
        else:
            while os.getppid() == parent_pid:
                time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="orb-parent-watchdog", daemon=True).start()


def start(argv: list[str], *, env: dict[str, str], log, cwd=None, pass_fds: tuple = ()) -> subprocess.Popen:
    """Start ``argv`` in a session of its own, output to ``log`` (a file opened for writing),
    no standard input, dying with this process (:func:`die_with_parent`)."""
    return subprocess.Popen(
        argv,
        env=env,
        cwd=None if cwd is None else str(cwd),
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        pass_fds=pass_fds,
        start_new_session=True,
        preexec_fn=die_with_parent,
    )


# ---------------------------------------------------------------- a running server
@dataclass
class Served:
    """A running server started by :func:`start` (voila, or the survey-only server)."""

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

    def processes(self) -> list:
        """The server and every process it started (its kernels), as ``psutil.Process`` objects."""
        import psutil

        try:
            root = psutil.Process(self.process.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def wait_listening(self, probe: str = "voila/static/", timeout: float = 60) -> None:
        """Return once the server answers at ``probe`` (any answer); raise :class:`OrbError` with its
        log's end if it stops first, or naming the log if it does not answer within ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise OrbError(f"the page server stopped at start-up; see its log:\n{self.log()[-2000:]}")
            try:
                urllib.request.urlopen(self.url + probe, timeout=1)
                return
            except urllib.error.HTTPError:
                return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                time.sleep(0.2)
        raise OrbError(f"the page server did not start within {timeout:.0f} s; see {self.log_path}")

    def stop(self, timeout: float = 15) -> None:
        """Stop the server and every process it started; the port is free afterwards.

        The server is asked first (SIGTERM: voila shuts its kernels down, so they
        save pending edits); whatever is still running after ``timeout`` is killed.
        """
        import psutil

        family = self.processes()  # before the server goes: its kernels are re-parented after
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
            except (ProcessLookupError, PermissionError):
                self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        _, alive = psutil.wait_procs(family, timeout=5 if self.process.poll() is not None else 0)
        for proc in alive:
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(alive, timeout=5)
        if self.process.poll() is None:
            self.process.wait(5)
        if self._log is not None:
            self._log.close()
        shutil.rmtree(self.runtime, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


# ---------------------------------------------------------------- private runtime folders
def runtime_folder(prefix: str) -> Path:
    """A new private folder (0700) for a server started by this process.

    It is removed when the server stops; if this process is killed first
    (``kill -9``), the next server started on this machine removes it: it
    names its owner, and the owner is gone (:func:`remove_dead_runtimes`).
    """
    remove_dead_runtimes()
    folder = Path(tempfile.mkdtemp(prefix=prefix))  # 0700 already; said again, as it matters here
    folder.chmod(0o700)
    (folder / OWNER_FILE).write_text(json.dumps({"pid": os.getpid(), "started": started(os.getpid())}), "utf-8")
    return folder


def remove_dead_runtimes(root: Path | None = None) -> list[Path]:
    """Remove this user's server folders whose owner process has died; returns those removed."""
    root = Path(root or tempfile.gettempdir())
    removed = []
    for prefix in RUNTIME_PREFIXES:
        for folder in root.glob(f"{prefix}*"):
            try:
                st = folder.lstat()
            except OSError:
                continue
            if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or _owner_alive(folder, st):
                continue
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def started(pid: int) -> float | None:
    """When process ``pid`` started (seconds since the epoch), or ``None`` if it is gone."""
    import psutil

    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def _owner_alive(folder: Path, st: os.stat_result) -> bool:
    import psutil

    try:
        owner = json.loads((folder / OWNER_FILE).read_text("utf-8"))
        pid, when = int(owner["pid"]), owner["started"]
    except (OSError, ValueError, KeyError, TypeError):
        # being made this moment, or left by a version that did not say its owner: a day tells
        return time.time() - st.st_mtime < 24 * 3600
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        # the same pid may be another process now: its start time tells
        return when is None or abs(process.create_time() - float(when)) < 1.0
    except psutil.NoSuchProcess:
        return False
    except psutil.Error:
        return True
