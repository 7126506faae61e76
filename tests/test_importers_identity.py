"""Which imported rows are new people and which the wave already holds, on SQLite and PostgreSQL.

The importing guide's "How ORB tells a new response from one it already has" (docs/guides/importing.md) states the rules these tests
hold the import to: an identity belongs to its county and wave; a tool's id matches exactly; times
keep their seconds, and a minute is compared only when one side has no seconds; a paper id
repeated with other answers is refused; a file with no identity at all is known by its rows.
"""

import csv
import io
import os
import sqlite3
from pathlib import Path

import pytest
import vendors
from orb_cli import orb
from test_importers import make_instrument

from orb_widgets.app import App
from orb_widgets.store import _ENGINES

FIXTURES = Path(__file__).parent / "fixtures"
COUNTY = "Alder Creek County"
ROLE_Q = "Which group best fits your role?"
LABELS = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"]


@pytest.fixture
def ws(db_url, tmp_path, monkeypatch):
    """A workspace folder with the test county's survey, its database on each backend."""
    monkeypatch.delenv("ORB_WORKSPACE", raising=False)
    folder = tmp_path / "ws"
    if db_url.startswith("postgresql"):
        monkeypatch.setenv("ORB_DATABASE_URL", db_url)
    else:
        monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    App.for_workspace(folder, create=True, database_url=os.environ.get("ORB_DATABASE_URL")).store.save_instrument(
        make_instrument()
    )
    return folder


def imported(capsys, ws, path, wave="w1", *extra):
    """``(added, skipped, summary line)`` of ``orb import``; fails the test on an error."""
    code, out, err = orb(capsys, "import", "--workspace", ws, "--county", COUNTY, "--wave", wave, path, *extra)
    assert code == 0, err
    line = out.strip().splitlines()[-1]
    words = line.split()
    added = int(words[words.index("import" if "would" in words else "Imported") + 1])
    skipped = int(line.split(" already imported")[0].rsplit(" ", 1)[-1]) if "already imported" in line else 0
    return added, skipped, out


def count(ws, wave=None):
    return App.for_workspace(ws, create=True, database_url=os.environ.get("ORB_DATABASE_URL")).store.response_count(
        COUNTY, wave
    )


def _csv(path, rows):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    path.write_text(buf.getvalue(), "utf-8")
    return path


def paper(path, answers, ids=None, roles=None):
    """A typed paper table: one row per person, ``answers`` the scale points of A1-B3."""
    head = (["id"] if ids else []) + ["Role", "[A1] x", "[A2] x", "[A3] x", "[B1] x", "[B2] x", "[B3] x"]
    rows = [head]
    for k, points in enumerate(answers):
        role = (roles or ["Supervisor"] * len(answers))[k]
        rows.append(([ids[k]] if ids else []) + [role] + [LABELS[p - 1] for p in points])
    return _csv(path, rows)


def google(path, times, answers=None, role="Supervisor"):
    """A Google Forms responses sheet: one person per time as written (``6/5/2024 9:00:10``)."""
    head = ["Timestamp", ROLE_Q, "[A1] x", "[A2] x", "[A3] x", "[B1] x", "[B2] x", "[B3] x"]
    answers = answers or [[4, 2, 4, 5, 3, 4]] * len(times)
    return _csv(path, [head] + [[t, role] + [LABELS[p - 1] for p in a] for t, a in zip(times, answers)])


SIX = [
    [4, 4, 4, 4, 4, 4],
    [2, 3, 4, 5, 1, 2],
    [4, 4, 4, 4, 4, 4],
    [5, 5, 5, 5, 5, 5],
    [3, 3, 3, 3, 3, 3],
    [1, 2, 1, 2, 1, 2],
]


# ---------------------------------------------------------------- an identity belongs to its wave


def _import_old(capsys, ws, wave: str, path):
    """``orb import`` of ``path`` into Old County's ``wave``; returns (exit code, stdout, stderr)."""
    return orb(capsys, "import", "--workspace", ws, "--county", "Old County", "--wave", wave, path)


def test_paper_ids_that_restart_at_1_in_a_new_wave_are_new_people(ws, capsys, tmp_path):
    first = paper(tmp_path / "spring.csv", SIX, ids=[str(k) for k in range(1, 7)])
    assert imported(capsys, ws, first, "2025-spring")[:2] == (6, 0)
    autumn = paper(tmp_path / "autumn.csv", SIX[::-1], ids=[str(k) for k in range(1, 7)])
    assert imported(capsys, ws, autumn, "2025-fall")[:2] == (6, 0)
    assert App.for_workspace(ws, create=True, database_url=os.environ.get("ORB_DATABASE_URL")).store.waves(COUNTY) == [
        "2025-spring",
        "2025-fall",
    ]
    assert imported(capsys, ws, autumn, "2025-fall")[:2] == (0, 6)  # the same file again
    assert (count(ws, "2025-spring"), count(ws, "2025-fall")) == (6, 6)


def test_a_paper_id_repeated_with_other_answers_is_refused_naming_row_and_id(ws, capsys, tmp_path):
    assert imported(capsys, ws, paper(tmp_path / "a.csv", SIX, ids=["F-1", "F-2", "F-3", "F-4", "F-5", "F-6"]))[0] == 6
    other = paper(tmp_path / "b.csv", [[1, 1, 1, 1, 1, 1], SIX[1]], ids=["F-7", "F-2"])
    # F-2 again with another first answer: another person, not the same form
    changed = paper(tmp_path / "c.csv", [[1, 1, 1, 1, 1, 1], [5, 3, 4, 5, 1, 2]], ids=["F-7", "F-2"])
    for dry in ((), ("--dry-run",)):
        code, _, err = orb(capsys, "import", "--workspace", ws, "--county", COUNTY, "--wave", "w1", changed, *dry)
        lines = [x for x in err.splitlines() if x.strip()]
        assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
        assert "row 3" in lines[0] and "'F-2'" in lines[0] and "own id" in lines[0], lines[0]
    assert count(ws) == 6  # F-7 was not stored either
    assert imported(capsys, ws, other)[:2] == (1, 1)  # F-2 with its own answers: the same form


def test_a_table_without_ids_is_known_by_its_rows(ws, capsys, tmp_path):
    # later-wave people who answer like earlier-wave people are new people
    assert imported(capsys, ws, paper(tmp_path / "w1.csv", SIX), "w1")[:2] == (6, 0)
    later = [SIX[0], SIX[1], [1, 1, 1, 1, 1, 1], SIX[3], SIX[4], [2, 2, 2, 2, 2, 2]]
    assert imported(capsys, ws, paper(tmp_path / "w2.csv", later), "w2")[:2] == (6, 0)
    # the same table again, or its .xlsx copy, adds nobody
    assert imported(capsys, ws, tmp_path / "w2.csv", "w2")[:2] == (0, 6)
    inst = make_instrument()
    roles = ["supervisors"] * 6
    as_xlsx = vendors.paper(
        tmp_path / "w2.xlsx",
        inst,
        [dict(zip(["A1", "A2", "A3", "B1", "B2", "B3"], a)) for a in later],
        roles,
        xlsx=True,
    )
    as_csv = vendors.paper(
        tmp_path / "w2-copy.csv", inst, [dict(zip(["A1", "A2", "A3", "B1", "B2", "B3"], a)) for a in later], roles
    )
    assert imported(capsys, ws, as_csv, "w3")[:2] == (6, 0)
    assert imported(capsys, ws, as_xlsx, "w3")[:2] == (0, 6)
    # more forms typed below the same rows: only those are new
    assert imported(capsys, ws, paper(tmp_path / "w2-more.csv", later + [SIX[2], SIX[2]]), "w2")[:2] == (2, 6)
    # another stack of forms in the same wave, with people who answered as others did: all new
    other = [[3, 1, 3, 1, 3, 1], SIX[0], SIX[1], SIX[2]]
    assert imported(capsys, ws, paper(tmp_path / "stack2.csv", other), "w1")[:2] == (4, 0)
    assert (count(ws, "w1"), count(ws, "w2"), count(ws, "w3")) == (10, 8, 6)


# ---------------------------------------------------------------- times keep their seconds


def test_two_downloads_that_split_one_minute_are_twelve_people(ws, capsys, tmp_path):
    early = google(tmp_path / "early.csv", [f"6/5/2024 9:00:{s}" for s in range(10, 16)])
    late = google(tmp_path / "late.csv", [f"6/5/2024 9:00:{s}" for s in range(40, 46)])
    assert imported(capsys, ws, early)[:2] == (6, 0)
    assert imported(capsys, ws, late)[:2] == (6, 0)
    assert count(ws) == 12
    # everything so far downloaded again, two more people since: only they are new
    times = [f"6/5/2024 9:00:{s}" for s in [*range(10, 16), *range(40, 46), 51, 52]]
    assert imported(capsys, ws, google(tmp_path / "all.csv", times))[:2] == (2, 12)
    # that download re-saved by Excel (no seconds): nobody new; the same, a minute later, is new
    resaved = google(tmp_path / "resaved.csv", ["6/5/2024 9:00"] * 14)
    assert imported(capsys, ws, resaved)[:2] == (0, 14)
    assert imported(capsys, ws, google(tmp_path / "next.csv", ["6/5/2024 9:01"] * 2))[:2] == (2, 0)
    assert count(ws) == 16


def test_an_excel_resave_imported_first_matches_the_download_with_seconds(ws, capsys, tmp_path):
    assert imported(capsys, ws, google(tmp_path / "resaved.csv", ["6/5/2024 9:00"] * 6))[:2] == (6, 0)
    times = [f"6/5/2024 9:00:{s}" for s in range(10, 16)] + ["6/5/2024 9:00:50"]
    assert imported(capsys, ws, google(tmp_path / "seconds.csv", times))[:2] == (1, 6)
    assert count(ws) == 7


def test_the_same_download_in_another_wave_is_new_people(ws, capsys, tmp_path):
    path = google(tmp_path / "g.csv", [f"6/5/2024 9:0{m}:1{m}" for m in range(6)])
    assert imported(capsys, ws, path, "w1")[:2] == (6, 0)
    assert imported(capsys, ws, path, "w2")[:2] == (6, 0)
    assert imported(capsys, ws, path, "w2")[:2] == (0, 6)


def test_a_tools_own_id_matches_exactly(ws, capsys, tmp_path):
    inst = make_instrument()
    answers, roles, comments = vendors.people(inst, 8, seed=21)
    first = vendors.qualtrics(tmp_path / "q1.csv", inst, answers[:5], roles[:5], comments[:5])
    assert imported(capsys, ws, first)[:2] == (5, 0)
    everyone = vendors.qualtrics(tmp_path / "q2.csv", inst, answers, roles, comments)
    assert imported(capsys, ws, everyone)[:2] == (3, 5)
    assert count(ws) == 8


# ---------------------------------------------------------------- what the import says


def test_dry_run_says_what_the_import_would_do_and_stores_nothing(ws, capsys, tmp_path):
    assert imported(capsys, ws, paper(tmp_path / "a.csv", SIX, ids=["1", "2", "3", "4", "5", "6"]))[0] == 6
    more = paper(tmp_path / "b.csv", SIX + [[1, 1, 1, 1, 1, 1]], ids=["1", "2", "3", "4", "5", "6", "7"])
    added, skipped, out = imported(capsys, ws, more, "w1", "--dry-run")
    assert (added, skipped) == (1, 6) and "nothing stored" in out
    added, skipped, out = imported(capsys, ws, more, "w9", "--dry-run")
    assert (added, skipped) == (7, 0)
    assert count(ws) == 6 and App.for_workspace(
        ws, create=True, database_url=os.environ.get("ORB_DATABASE_URL")
    ).store.waves(COUNTY) == ["w1"]
    assert imported(capsys, ws, more)[:2] == (1, 6)  # the real import does as it said


def test_verbose_lists_the_rows_skipped_by_number(ws, capsys, tmp_path):
    google(tmp_path / "first.csv", [f"6/5/2024 9:00:{s}" for s in range(10, 14)])
    assert imported(capsys, ws, tmp_path / "first.csv")[:2] == (4, 0)
    rows = [f"6/5/2024 9:00:{s}" for s in [10, 11, 30, 12, 13]]
    path = google(tmp_path / "again.csv", rows, answers=[[4, 2, 4, 5, 3, 4]] * 5)
    text = path.read_text("utf-8").splitlines()
    text.insert(3, "6/5/2024 9:00:20,Supervisor,,,,,,")  # row 4: nobody answered
    path.write_text("\r\n".join(text) + "\r\n", "utf-8")
    added, skipped, out = imported(capsys, ws, path, "w1")
    assert (added, skipped) == (1, 4) and "--verbose lists their rows" in out
    added, skipped, out = imported(capsys, ws, path, "w1", "--verbose")
    lines = out.strip().splitlines()
    assert (added, skipped) == (0, 5)
    assert "Already imported before (the same time, to the second, and role group): rows 2-3, 5-7" in lines
    assert "Dropped, incomplete (no answers): row 4" in lines
    assert lines[-1].startswith("Imported 0 responses") and "dropped 1 incomplete" in lines[-1]


# ---------------------------------------------------------------- an older workspace


def test_a_schema_2_workspace_is_brought_forward_and_keeps_its_identities(tmp_path, capsys, monkeypatch):
    """``workspace-v2.sql`` was made by ORB Workbook at schema 2 importing the three files in
    ``fixtures/identity`` into Old County's wave 2025-fall."""
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    ws = tmp_path / "ws"
    ws.mkdir()
    with sqlite3.connect(ws / "orb.sqlite") as db:
        db.executescript((FIXTURES / "workspace-v2.sql").read_text("utf-8"))
        answers_before = db.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    code, out, err = orb(capsys, "init", "--upgrade", "--workspace", ws)
    assert code == 0 and "from layout 2 to 5" in out, err
    s = App.for_workspace(ws, database_url=os.environ.get("ORB_DATABASE_URL")).store
    assert s.response_count("Old County", "2025-fall") == 18
    with sqlite3.connect(ws / "orb.sqlite") as db:
        assert db.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == answers_before
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    for name in ("google-2025-fall.csv", "paper-2025-fall.csv", "paper-ids-2025-fall.csv"):
        code, out, err = _import_old(capsys, ws, "2025-fall", FIXTURES / "identity" / name)
        assert code == 0 and "Imported 0 responses" in out, (name, out, err)
    code, out, err = _import_old(capsys, ws, "2026-spring", FIXTURES / "identity" / "paper-ids-2025-fall.csv")
    assert code == 0 and "Imported 4 responses" in out, err  # ids 1-4 again, another wave
    # the Google sheet re-saved by Excel (no seconds) adds nobody; people sent 30 s after those stored
    # (the same minutes and roles, which schema 2 took for the same people) are new
    head, *rows = list(csv.reader(io.StringIO((FIXTURES / "identity" / "google-2025-fall.csv").read_text("utf-8"))))
    resaved = [[r[0][:16].replace("/", "-") + r[0][-6:], *r[1:]] for r in rows]  # 2024-06-15 09:07 GMT-7
    for name, body, added in (
        ("resaved.csv", resaved, 0),
        ("later.csv", [[_later(r[0]), *r[1:]] for r in rows[1:]], 7),
    ):
        code, out, err = _import_old(capsys, ws, "2025-fall", _csv(tmp_path / name, [head, *body]))
        assert code == 0 and f"Imported {added} responses" in out, (name, out, err)
    assert s.response_count("Old County") == 29
    assert orb(capsys, "init", "--upgrade", "--workspace", ws)[1].startswith("Workspace ready")


def _later(stamp: str) -> str:
    """``2024/06/15 09:07:01 AM GMT-7`` sent 30 seconds later, in the same minute."""
    date, clock, rest = stamp.split(" ", 2)
    h, m, sec = clock.split(":")
    return f"{date} {h}:{m}:{int(sec) + 30:02d} {rest}"


def test_the_upgrade_to_schema_3_on_postgresql(pg_cluster, tmp_path, capsys, monkeypatch):
    """The PostgreSQL step: a database laid out as schema 2 keeps every row and takes ids per wave."""
    url = pg_cluster.new_url()
    monkeypatch.setenv("ORB_DATABASE_URL", url)
    ws = tmp_path / "ws"
    App.for_workspace(ws, create=True, database_url=os.environ.get("ORB_DATABASE_URL")).store.save_instrument(
        make_instrument()
    )
    path = paper(tmp_path / "a.csv", SIX, ids=[str(k) for k in range(1, 7)])
    assert imported(capsys, ws, path, "w1")[:2] == (6, 0)
    eng = App.for_workspace(ws, create=True, database_url=os.environ.get("ORB_DATABASE_URL")).store.engine
    with eng.begin() as conn:  # back to schema 2's layout
        conn.exec_driver_sql("ALTER TABLE responses DROP CONSTRAINT uq_responses_wave_source_key")
        conn.exec_driver_sql("DROP INDEX ix_responses_minute_key")
        conn.exec_driver_sql("ALTER TABLE responses DROP COLUMN minute_key, DROP COLUMN seconds")
        conn.exec_driver_sql(
            "ALTER TABLE responses ADD CONSTRAINT responses_county_id_source_key_key UNIQUE (county_id, source_key)"
        )
        conn.exec_driver_sql("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    code, _, err = orb(capsys, "counties", "--workspace", ws)
    assert code == 2 and "orb init --upgrade" in err
    code, out, err = orb(capsys, "init", "--upgrade", "--workspace", ws)
    assert code == 0 and "from layout 2 to 5" in out, err
    assert imported(capsys, ws, path, "w1")[:2] == (0, 6)
    assert imported(capsys, ws, path, "w2")[:2] == (6, 0)
    assert count(ws) == 12
    _ENGINES.pop(url, None)
