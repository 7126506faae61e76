"""What a person sees when the store meets an old workspace, a full disk, a
read-only copy, odd text or a shared database: one line, nothing half-made."""

import os
import pickle
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from orb_cli import orb

from orb_widgets.app import App
from orb_widgets.exceptions import ImportFileError, InvalidValue, OrbError, StaleEdit, UnknownCounty, WorkspaceError
from orb_widgets.instrument import tailor
from orb_widgets.store import _ENGINES, NewResponse, Store

FIXTURES = Path(__file__).parent / "fixtures"


# ----------------------------------------------------------------- the same rules on both backends
@pytest.mark.parametrize(
    "name, words",
    [
        ("B" * 201 + " County", "at most 200 characters"),
        ("Bay\nside", "one line"),
        ("   ", "cannot be empty"),
    ],
)
def test_county_names_are_checked_alike_on_both_backends(any_store, name, words):
    with pytest.raises(InvalidValue, match=words):
        any_store.add_county(name)
    assert any_store.counties() == []


def test_a_county_name_in_other_capitals_is_the_same_county(any_store):
    any_store.save_instrument(tailor("cpm-orb", county="Bayside County", elements="A"))
    assert any_store.add_county("BAYSIDE COUNTY").name == "Bayside County"
    any_store.add_response("bayside county", "w1", NewResponse(role="supervisors", answers={"A1": 3}))
    assert [c.name for c in any_store.counties()] == ["Bayside County"]
    assert any_store.response_count("Bayside County") == 1


def test_wave_labels_are_checked_alike_on_both_backends(any_store):
    any_store.save_instrument(tailor("cpm-orb", county="X", elements="A"))
    with pytest.raises(InvalidValue, match="wave label is at most 64 characters"):
        any_store.add_response("X", "w" * 65, NewResponse(role="supervisors", answers={"A1": 3}))
    assert any_store.response_count("X") == 0


def test_odd_characters_typed_by_a_person_are_kept_not_refused(any_store):
    inst = tailor("cpm-orb", county="X", elements="A")
    any_store.save_instrument(inst)
    typed = "Café ☕ — \ud800 lone half, NUL\x00 and 日本語"
    any_store.add_response("X", "w1", NewResponse(role="supervisors", answers={"A1": 3}, comments={"A": typed}))
    doc = any_store.put_doc("X", "matrix_row", "A", {"what_we_learned": typed}, user="Ana \udcff")
    stored = any_store.comments("X")[0]["text"]
    assert stored == "Café ☕ — \ufffd lone half, NUL\ufffd and 日本語"
    assert any_store.get_doc("X", "matrix_row", "A").body["what_we_learned"] == stored
    assert doc.updated_by == "Ana \ufffd"


def test_store_errors_survive_pickling():
    errors = [
        UnknownCounty("X", ["A"]),
        ImportFileError("f.csv", "bad", row=3, column="Q", value="v"),
        StaleEdit("changed", current=2),
        WorkspaceError("w"),
        InvalidValue("v"),
    ]
    for err in errors:
        back = pickle.loads(pickle.dumps(err))
        assert (type(back), str(back), back.fields) == (type(err), str(err), err.fields)


# ----------------------------------------------------------------- an older workspace
def _v1_workspace(folder: Path) -> Path:
    folder.mkdir(parents=True)
    with sqlite3.connect(folder / "orb.sqlite") as db:
        db.executescript((FIXTURES / "workspace-v1.sql").read_text())
    return folder


def test_an_older_workspace_says_how_to_upgrade_and_the_upgrade_keeps_everything(workspace, capsys):
    _v1_workspace(workspace)
    code, _, err = orb(capsys, "counties", "--workspace", workspace)
    assert code == 2 and "orb init --upgrade" in err and "Traceback" not in err
    code, out, err = orb(capsys, "init", "--upgrade", "--workspace", workspace)
    assert code == 0, err
    assert "from layout 1 to 5" in out
    s = App.for_workspace(workspace, database_url=os.environ.get("ORB_DATABASE_URL")).store
    assert s.county("OLD COUNTY").name == "Old County"
    assert s.response_count("Old County") == 6
    assert s.comments("Old County")[0]["text"] == "We need time"
    assert s.get_doc("Old County", "matrix_row", "A").body["what_we_learned"] == "Staff want clarity"
    assert s.waves("Old County") == ["2025-fall"]
    code, out, _ = orb(capsys, "score", "--county", "Old County", "--json", "--workspace", workspace)
    assert code == 0 and '"county": "Old County"' in out
    # running it again changes nothing
    assert orb(capsys, "init", "--upgrade", "--workspace", workspace)[1].startswith("Workspace ready")


# ----------------------------------------------------------------- a full disk
@pytest.fixture
def full_disk(workspace):
    """A workspace whose database cannot grow by one page, as on a full disk (SQLITE_FULL)."""
    s = App.for_workspace(workspace, create=True, database_url=os.environ.get("ORB_DATABASE_URL")).store
    s.add_county("Bayside County")
    url = s.url
    _ENGINES.pop(url).dispose()
    eng = App.for_workspace(workspace, create=True, database_url=os.environ.get("ORB_DATABASE_URL")).store.engine
    pages = sqlite3.connect(workspace / "orb.sqlite").execute("PRAGMA page_count").fetchone()[0]

    @sa.event.listens_for(eng, "connect")
    def _cap(dbapi_conn, _record):
        dbapi_conn.execute(f"PRAGMA max_page_count={pages}")

    eng.dispose()
    yield workspace
    _ENGINES.pop(url, None)


def test_a_full_disk_is_one_line_and_leaves_nothing_half_made(full_disk, capsys):
    code, _, err = orb(
        capsys,
        "instrument",
        "create",
        "--county",
        "Cedar Valley County",
        "--framework",
        "cpm-orb",
        "--workspace",
        full_disk,
    )
    assert code == 2
    assert err.count("\n") == 1 and "is full: nothing was saved" in err
    s = App.for_workspace(full_disk, create=True, database_url=os.environ.get("ORB_DATABASE_URL")).store
    assert [c.name for c in s.counties()] == ["Bayside County"]  # no county without its instrument
    assert not list((full_disk / "instruments").rglob("*.json"))
    assert not list((full_disk / "instruments").rglob("*.tmp"))


# ----------------------------------------------------------------- a read-only copy
def test_a_read_only_copy_of_a_workspace_can_still_be_read(workspace, capsys):
    s = App.for_workspace(workspace, create=True, database_url=os.environ.get("ORB_DATABASE_URL")).store
    inst = tailor("cpm-orb", county="Bayside County", elements="A", min_group=3)
    s.save_instrument(inst)
    s.add_responses(
        "Bayside County",
        "w1",
        [NewResponse(role="supervisors", answers={i.id: 4 for i in inst.items}) for _ in range(4)],
    )
    _ENGINES.clear()
    copy = Path(tempfile.mkdtemp(prefix="orb-ro-")) / "ws"
    shutil.copytree(workspace, copy)
    for path in [copy, *copy.rglob("*")]:
        path.chmod(0o555 if path.is_dir() else 0o444)
    copy.parent.chmod(0o755)
    orb_cmd = [sys.executable, "-m", "orb_widgets.cli"]
    if os.geteuid() == 0:  # root may write anywhere: read it as an ordinary user would
        orb_cmd = ["runuser", "-u", "nobody", "--", *orb_cmd]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1]), "HOME": str(copy.parent)}
    env.pop("ORB_DATABASE_URL", None)

    def run(*args):
        return subprocess.run(
            [*orb_cmd, *args, "--workspace", str(copy)], capture_output=True, text=True, env=env, timeout=120
        )

    done = run("score", "--county", "Bayside County")
    assert done.returncode == 0, done.stderr
    assert "Bayside County" in done.stdout and "4 people answered" in done.stdout
    written = run("instrument", "create", "--county", "New County", "--framework", "cpm-orb")
    assert written.returncode == 2 and "read-only" in written.stderr and "Traceback" not in written.stderr
    shutil.rmtree(copy.parent, ignore_errors=True)


# ----------------------------------------------------------------- the demo and a shared database
def test_the_demo_never_writes_into_a_shared_database(workspace, pg_cluster, monkeypatch, capsys):
    shared = pg_cluster.new_url()
    real = Store(shared)
    real.save_instrument(tailor("cpm-orb", county="Real County", elements="A"))
    monkeypatch.setenv("ORB_DATABASE_URL", shared)

    code, out, err = orb(capsys, "demo", "--counties", "2", "--workspace", workspace)
    assert code == 0, err
    assert [c.name for c in real.counties()] == ["Real County"]
    assert real.get_meta("demo") is None
    assert (workspace / "orb.sqlite").exists()

    code, _, err = orb(capsys, "demo", "--counties", "2", "--workspace", workspace, "--database-url", shared)
    assert code == 2 and "holds real counties" in err
    code, _, err = orb(capsys, "demo", "--force", "--workspace", workspace, "--database-url", shared)
    assert code == 2 and "holds real counties" in err
    assert [c.name for c in real.counties()] == ["Real County"]


def test_making_the_demo_again_never_doubles_it(workspace, capsys, monkeypatch):
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    assert orb(capsys, "demo", "--counties", "2", "--workspace", workspace)[0] == 0
    s = App.for_workspace(workspace, create=True, database_url=os.environ.get("ORB_DATABASE_URL")).store
    counts = {c.name: s.response_count(c.name) for c in s.counties()}
    code, _, err = orb(capsys, "demo", "--counties", "2", "--workspace", workspace)
    assert code == 2 and "already holds a demo" in err and "--force" in err
    assert orb(capsys, "demo", "--counties", "2", "--force", "--workspace", workspace)[0] == 0
    assert {c.name: s.response_count(c.name) for c in s.counties()} == counts


def test_the_demo_refuses_a_real_workspace_even_with_force(workspace, capsys):
    App.for_workspace(workspace, create=True, database_url=os.environ.get("ORB_DATABASE_URL")).store.save_instrument(
        tailor("cpm-orb", county="Real County", elements="A")
    )
    code, _, err = orb(capsys, "demo", "--force", "--workspace", workspace)
    assert code == 2 and "holds real counties" in err
    assert [
        c.name
        for c in App.for_workspace(
            workspace, create=True, database_url=os.environ.get("ORB_DATABASE_URL")
        ).store.counties()
    ] == ["Real County"]


def test_every_database_error_is_an_orb_error(any_store, monkeypatch):
    """A failure below the facade (here: a dropped table) reaches a person as one line."""
    any_store.add_county("X")
    with any_store.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE document_history"))
    with pytest.raises(OrbError) as caught:
        any_store.put_doc("X", "matrix_row", "A", {"who": "Ana"}, user="Ana")
    assert "\n" not in str(caught.value) and "nothing was saved" in str(caught.value)
    assert any_store.get_doc("X", "matrix_row", "A") is None


# ----------------------------------------------------------------- nothing left behind
def test_instrument_create_on_a_full_disk_leaves_no_temp_file(workspace, capsys, monkeypatch):
    import errno
    import pathlib

    App.for_workspace(workspace, create=True, database_url=os.environ.get("ORB_DATABASE_URL")).store.add_county(
        "Bayside County"
    )
    write_text = pathlib.Path.write_text

    def full(self, *args, **kwargs):
        if self.suffix == ".tmp":
            self.open("w").close()  # the file is made, then the disk has no room for its text
            raise OSError(errno.ENOSPC, "No space left on device")
        return write_text(self, *args, **kwargs)

    monkeypatch.setattr(pathlib.Path, "write_text", full)
    code, _, err = orb(
        capsys,
        "instrument",
        "create",
        "--county",
        "Cedar Valley County",
        "--framework",
        "cpm-orb",
        "--workspace",
        workspace,
    )
    assert code == 2 and err.count("\n") == 1 and "is full: nothing was saved" in err, err
    assert [p.name for p in (workspace / "instruments").rglob("*")] == []
    assert [
        c.name
        for c in App.for_workspace(
            workspace, create=True, database_url=os.environ.get("ORB_DATABASE_URL")
        ).store.counties()
    ] == ["Bayside County"]


def _big_import(tmp_path, n=3000):
    import vendors
    from test_importers import make_instrument

    inst = make_instrument()
    return inst, vendors.google(tmp_path / "big.csv", inst, *vendors.people(inst, n, seed=1))


def _import_in_child(child: str, county: str, path, workspace) -> list[str]:
    """The command line of a child that runs ``child`` (Python) as ``orb import`` of ``path`` into wave w1."""
    return [
        sys.executable,
        "-c",
        child,
        "import",
        "--county",
        county,
        "--wave",
        "w1",
        str(path),
        "--workspace",
        str(workspace),
    ]


def _leftovers(store: Store) -> tuple[int, int, int]:
    """Rows of any import (visible or not), imports still running, and waves."""
    from orb_widgets.store.models import imports, responses, waves

    with store.engine.connect() as conn:
        return (
            conn.execute(sa.select(sa.func.count()).select_from(responses)).scalar(),
            conn.execute(sa.select(sa.func.count()).select_from(imports).where(imports.c.status == "running")).scalar(),
            conn.execute(sa.select(sa.func.count()).select_from(waves)).scalar(),
        )


def test_an_import_the_disk_stops_part_way_removes_its_hidden_rows_itself(workspace, tmp_path):
    """A real write failure: the import runs with a file-size limit, so SQLite's log fills up after
    a few batches, as on a full disk. Before, the batches already written stayed behind, hidden."""
    import resource

    inst, path = _big_import(tmp_path)
    App.for_workspace(workspace, create=True, database_url=os.environ.get("ORB_DATABASE_URL")).store.save_instrument(
        inst
    )
    _ENGINES.clear()
    child = (
        "import sys, orb_widgets.store as st\n"
        "from orb_widgets.cli import main\n"
        "insert = st.Store._insert_rows\n"
        "batches = []\n"
        "def counted(*a):\n"
        "    batches.append(1)\n"
        "    return insert(*a)\n"
        "st.Store._insert_rows = staticmethod(counted)\n"
        "code = main(sys.argv[1:])\n"
        "print('batches', len(batches))\n"
        "sys.exit(code)\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{Path(__file__).parents[1]}:{Path(__file__).parent}"}
    env.pop("ORB_DATABASE_URL", None)
    limit = 2_500_000  # bytes any one file may reach: the log holds two batches, not three

    def small_disk():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run(
        _import_in_child(child, inst.county, path, workspace),
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=small_disk,
        timeout=300,
    )
    lines = [x for x in done.stderr.splitlines() if x.strip()]
    assert done.returncode == 2 and len(lines) == 1 and "nothing was saved" in lines[0], done.stderr
    assert int(done.stdout.split()[-1]) >= 2  # batches were written before the disk ran out
    assert _leftovers(
        App.for_workspace(workspace, create=True, database_url=os.environ.get("ORB_DATABASE_URL")).store
    ) == (0, 0, 0)


def test_a_failed_import_removes_its_rows_on_both_backends(any_store):
    inst = tailor("cpm-orb", county="Bayside County", elements="A")
    any_store.save_instrument(inst)

    def answers():
        for k in range(7):
            if k == 5:
                raise WorkspaceError("the disk holding the workspace is full: nothing was saved")
            yield NewResponse(role="supervisors", answers={"A1": 3}, source_key=f"k{k}")

    with pytest.raises(WorkspaceError):
        any_store.import_responses("Bayside County", "w1", answers(), file_name="f.csv", sha256="0", batch=2)
    assert _leftovers(any_store) == (0, 0, 0)


def test_the_next_start_removes_what_a_killed_import_left(db_url, workspace, tmp_path, capsys, monkeypatch):
    """The import is killed after two batches (it waits there, so the kill lands every run); any
    orb command started afterwards removes the hidden rows."""
    import signal
    import time

    inst, path = _big_import(tmp_path)
    if db_url.startswith("postgresql"):
        monkeypatch.setenv("ORB_DATABASE_URL", db_url)
    App.for_workspace(workspace, create=True, database_url=os.environ.get("ORB_DATABASE_URL")).store.save_instrument(
        inst
    )
    marker = tmp_path / "two-batches-written"
    child = (
        "import sys, time, orb_widgets.store as st\n"
        "from orb_widgets.cli import main\n"
        "real = st.Store.import_responses\n"
        "def held(self, *a, **k):\n"
        "    def on_batch(added, skipped):\n"
        "        if added >= 2000:\n"
        f"            open({str(marker)!r}, 'w').close()\n"
        "            time.sleep(600)\n"
        "    return real(self, *a, **{**k, 'on_batch': on_batch})\n"
        "st.Store.import_responses = held\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    proc = subprocess.Popen(
        _import_in_child(child, inst.county, path, workspace),
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        while not marker.exists():  # waits for a state, not for a time
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    from orb_widgets.store.models import responses

    url = db_url if db_url.startswith("postgresql") else f"sqlite:///{workspace / 'orb.sqlite'}"
    raw = sa.create_engine(url, poolclass=sa.pool.NullPool)  # a look that opens no store
    with raw.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(responses)).scalar() == 2000
    raw.dispose()
    code, _, err = orb(capsys, "counties", "--workspace", workspace)  # the next start of any command
    assert code == 0, err
    s = App.for_workspace(workspace, create=True, database_url=os.environ.get("ORB_DATABASE_URL")).store
    assert _leftovers(s) == (0, 0, 0) and s.response_count(inst.county) == 0
