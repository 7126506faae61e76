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

from orb_widgets.cli import main
from orb_widgets.exceptions import (ImportFileError, InvalidValue, OrbError, StaleEdit, UnknownCounty,
                                    WorkspaceError)
from orb_widgets.instrument import tailor
from orb_widgets.app import App
from orb_widgets.store import NewResponse, Store, _ENGINES

FIXTURES = Path(__file__).parent / "fixtures"


def orb(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


# ----------------------------------------------------------------- the same rules on both backends
@pytest.mark.parametrize("name, words", [
    ("B" * 201 + " County", "at most 200 characters"),
    ("Bay\nside", "one line"),
    ("   ", "cannot be empty"),
])
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
    errors = [UnknownCounty("X", ["A"]), ImportFileError("f.csv", "bad", row=3, column="Q", value="v"),
              StaleEdit("changed", current=2), WorkspaceError("w"), InvalidValue("v")]
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
    assert "from layout 1 to 2" in out
    s = App.for_workspace(workspace).store
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
    s = App.for_workspace(workspace, create=True).store
    s.add_county("Bayside County")
    url = s.url
    _ENGINES.pop(url).dispose()
    eng = App.for_workspace(workspace, create=True).store.engine
    pages = sqlite3.connect(workspace / "orb.sqlite").execute("PRAGMA page_count").fetchone()[0]

    @sa.event.listens_for(eng, "connect")
    def _cap(dbapi_conn, _record):
        dbapi_conn.execute(f"PRAGMA max_page_count={pages}")

    eng.dispose()
    yield workspace
    _ENGINES.pop(url, None)


def test_a_full_disk_is_one_line_and_leaves_nothing_half_made(full_disk, capsys):
    code, _, err = orb(capsys, "instrument", "create", "--county", "Cedar Valley County", "--framework",
                       "cpm-orb", "--workspace", full_disk)
    assert code == 2
    assert err.count("\n") == 1 and "is full: nothing was saved" in err
    s = App.for_workspace(full_disk, create=True).store
    assert [c.name for c in s.counties()] == ["Bayside County"]  # no county without its instrument
    assert not list((full_disk / "instruments").rglob("*.json"))
    assert not list((full_disk / "instruments").rglob("*.tmp"))


# ----------------------------------------------------------------- a read-only copy
def test_a_read_only_copy_of_a_workspace_can_still_be_read(workspace, capsys):
    s = App.for_workspace(workspace, create=True).store
    inst = tailor("cpm-orb", county="Bayside County", elements="A", min_group=3)
    s.save_instrument(inst)
    s.add_responses("Bayside County", "w1", [NewResponse(role="supervisors", answers={i.id: 4 for i in inst.items})
                                              for _ in range(4)])
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
        return subprocess.run([*orb_cmd, *args, "--workspace", str(copy)], capture_output=True, text=True,
                              env=env, timeout=120)

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
    s = App.for_workspace(workspace, create=True).store
    counts = {c.name: s.response_count(c.name) for c in s.counties()}
    code, _, err = orb(capsys, "demo", "--counties", "2", "--workspace", workspace)
    assert code == 2 and "already holds a demo" in err and "--force" in err
    assert orb(capsys, "demo", "--counties", "2", "--force", "--workspace", workspace)[0] == 0
    assert {c.name: s.response_count(c.name) for c in s.counties()} == counts


def test_the_demo_refuses_a_real_workspace_even_with_force(workspace, capsys):
    App.for_workspace(workspace, create=True).store.save_instrument(tailor("cpm-orb", county="Real County", elements="A"))
    code, _, err = orb(capsys, "demo", "--force", "--workspace", workspace)
    assert code == 2 and "holds real counties" in err
    assert [c.name for c in App.for_workspace(workspace, create=True).store.counties()] == ["Real County"]


def test_every_database_error_is_an_orb_error(any_store, monkeypatch):
    """A failure below the facade (here: a dropped table) reaches a person as one line."""
    any_store.add_county("X")
    with any_store.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE document_history"))
    with pytest.raises(OrbError) as caught:
        any_store.put_doc("X", "matrix_row", "A", {"who": "Ana"}, user="Ana")
    assert "\n" not in str(caught.value) and "nothing was saved" in str(caught.value)
    assert any_store.get_doc("X", "matrix_row", "A") is None
