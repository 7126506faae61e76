import os

import matplotlib
import pytest

matplotlib.use("Agg")


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
    from orb_widgets.store import Store, _ENGINES

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


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory):
    """A demo workspace of four fictional counties, made once per test session."""
    from orb_widgets.demo import make_demo
    from orb_widgets.app import App

    os.environ.pop("ORB_DATABASE_URL", None)
    folder = tmp_path_factory.mktemp("demo")
    s = App.for_workspace(folder, create=True).store
    make_demo(s, counties=4, seed=7)
    return s
