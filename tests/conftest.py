import os
import shutil
import sqlite3

import matplotlib
import pytest

matplotlib.use("Agg")

DEMO = {"counties": 4, "seed": 7}  # the session's demo workspace (see shared_demo)


def pytest_collection_modifyitems(config, items):
    """Mark every test that needs the live PostgreSQL ``postgres`` (``dev.py test --fast`` leaves them out)."""
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if "pg_cluster" in item.fixturenames or params.get("db_url") == "postgresql":
            item.add_marker(pytest.mark.postgres)


def pytest_configure(config):
    # Never remember a typed name in the home folder of whoever runs the tests,
    # including in the kernels that served pages start.
    import tempfile

    os.environ["ORB_NAME_FILE"] = os.path.join(tempfile.mkdtemp(prefix="orb-name-"), "name")


@pytest.fixture(scope="session")
def pg_cluster():
    """Debian's PostgreSQL in a temporary cluster on 127.0.0.1, for this test session."""
    from pg import PgCluster

    cluster = PgCluster()
    yield cluster
    from orb_widgets.store import _ENGINES

    for url in [u for u in _ENGINES if u.startswith("postgresql")]:
        _ENGINES.pop(url).dispose()
    cluster.stop()


@pytest.fixture
def store():
    """A fresh in-memory store."""
    from orb_widgets.store import _ENGINES, Store

    _ENGINES.pop("sqlite:///:memory:", None)
    s = Store("sqlite:///:memory:")
    yield s
    _ENGINES.pop("sqlite:///:memory:", None)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """An empty database on each backend: a SQLite file, and a live PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'orb.sqlite'}"
    return request.getfixturevalue("pg_cluster").new_url()


@pytest.fixture
def any_store(db_url):
    """A fresh store on each backend (SQLite file and live PostgreSQL)."""
    from orb_widgets.store import Store

    return Store(db_url)


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """An empty workspace folder; ORB_* variables from the caller's shell are ignored."""
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    monkeypatch.delenv("ORB_WORKSPACE", raising=False)
    return tmp_path / "ws"


@pytest.fixture
def run_orb(capsys):
    """``run_orb(*args)`` runs the ``orb`` command in this process: its exit code, output and error output."""
    from orb_cli import orb

    return lambda *args: orb(capsys, *args)


@pytest.fixture
def workspace_store(workspace):
    """The store of a new, empty workspace in the ``workspace`` folder."""
    from orb_widgets.app import App

    return App.for_workspace(workspace, create=True).store


@pytest.fixture(scope="session")
def shared_demo(tmp_path_factory):
    """The folder of a demo workspace of four fictional counties, made once per test session.

    Tests only read it; a test that writes works on a copy (``demo_copy``, ``copy_demo``).
    """
    from orb_widgets.app import App
    from orb_widgets.demo import make_demo

    os.environ.pop("ORB_DATABASE_URL", None)
    folder = tmp_path_factory.mktemp("demo") / "ws"
    store = App.for_workspace(folder, create=True).store
    make_demo(store, **DEMO)
    store.engine.dispose()
    return folder


@pytest.fixture(scope="session")
def copy_demo(shared_demo):
    """``copy_demo(folder)`` puts a copy of the session's demo workspace in ``folder`` and returns it."""

    def copy(folder):
        shutil.copytree(shared_demo, folder, ignore=shutil.ignore_patterns("orb.sqlite*"))
        source, target = sqlite3.connect(shared_demo / "orb.sqlite"), sqlite3.connect(folder / "orb.sqlite")
        try:
            source.backup(target)  # the database as committed, whatever its write-ahead log holds
        finally:
            source.close()
            target.close()
        return folder

    return copy


@pytest.fixture
def demo_copy(copy_demo, tmp_path):
    """A copy of the session's demo workspace for one test, which may write to it."""
    return copy_demo(tmp_path / "demo")


@pytest.fixture(scope="session")
def demo_store(shared_demo):
    """The session's demo workspace, opened; for reading only."""
    from orb_widgets.app import App

    return App.for_workspace(shared_demo).store
