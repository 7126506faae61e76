"""``orb`` for outside programs that run it many times: each command in a process of its own, forked
from one that has imported the package already.

tests/test_real_exports.py hands an ``orb`` to the real-exports corpus's check.sh, which runs it about
140 times; started afresh, each run spends most of its time importing pandas and the package. Here a
server imports them once and forks a child per command: the child takes the caller's arguments,
environment, working folder and standard input, output and error, runs ``orb``'s entry point
(:func:`orb_widgets.cli.main`) and ends with its exit code, exactly as ``python -m orb_widgets.cli``
would. The ``orb`` written by :func:`write_client` is a few lines of the standard library that pass
all that over a Unix socket and exit with the command's code.

    python tests/orb_forkserver.py serve SOCKET    # prints "ready" once listening
    python -I -S tests/orb_forkserver.py client SOCKET ARGS...
"""

from __future__ import annotations

import json
import os
import socket
import struct
import sys

#: What ``orb instrument``, ``orb import`` and ``orb score`` use, imported before any fork.
PRELOAD = ("orb_widgets.importers", "orb_widgets.scoring", "orb_widgets.store", "orb_widgets.views")


def _read(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise ConnectionError("the other side closed the connection")
        data += chunk
    return data


def client(path: str, argv: list[str]) -> int:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(path)
        payload = json.dumps({"argv": argv, "env": dict(os.environ), "cwd": os.getcwd()}).encode()
        socket.send_fds(conn, [struct.pack("!I", len(payload))], [0, 1, 2])
        conn.sendall(payload)
        return struct.unpack("!i", _read(conn, 4))[0]


def _preload() -> None:
    import importlib
    import pkgutil

    import orb_widgets.cli  # noqa: F401

    for name in PRELOAD:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, f"{name}."):
            importlib.import_module(module.name)


def _run_child(fds: list[int], request: dict) -> None:  # pragma: no cover - runs in the forked child
    import atexit
    import traceback

    code = 1
    try:
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = ["orb", *request["argv"]]
        from orb_widgets.cli import main

        try:
            code = main(request["argv"])
        except SystemExit as exc:  # argparse's usage errors, as `orb` would end
            if isinstance(exc.code, str):
                print(exc.code, file=sys.stderr)
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        atexit._run_exitfuncs()
    except BaseException:
        traceback.print_exc()
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        os._exit(code if isinstance(code, int) else 1)


def serve(path: str) -> None:
    _preload()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        listener.bind(path)
        listener.listen(16)
        print("ready", flush=True)
        while True:  # one command at a time, as the callers run them
            conn, _ = listener.accept()
            with conn:
                head, fds, _, _ = socket.recv_fds(conn, 4, 3)
                request = json.loads(_read(conn, struct.unpack("!I", head)[0]))
                pid = os.fork()
                if pid == 0:
                    listener.close()
                    conn.close()
                    _run_child(fds, request)
                for fd in fds:
                    os.close(fd)
                _, status = os.waitpid(pid, 0)
                conn.sendall(struct.pack("!i", os.waitstatus_to_exitcode(status)))


def write_client(path, socket_path) -> None:
    """An executable ``orb`` at ``path`` that runs its commands through the server at ``socket_path``."""
    from pathlib import Path

    path = Path(path)
    path.write_text(
        f'#!/bin/sh\nexec "{sys.executable}" -I -S "{Path(__file__).resolve()}" client "{socket_path}" "$@"\n'
    )
    path.chmod(0o755)


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2])
    else:
        sys.exit(client(sys.argv[2], sys.argv[3:]))
