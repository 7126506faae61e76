"""The `orb` command as scripts and people call it."""

import json
import subprocess
import sys

import pytest
from orb_cli import orb


@pytest.fixture
def ws(workspace, capsys):
    assert orb(capsys, "init", "--workspace", workspace)[0] == 0
    return workspace


def test_frameworks_lists_both_packs(capsys):
    code, out, _ = orb(capsys, "frameworks")
    assert code == 0 and "cpm-orb" in out and "cps" in out
    code, out, _ = orb(capsys, "frameworks", "--items", "cpm-orb", "--json")
    assert {i["id"] for i in json.loads(out)} >= {"A1", "F1"}


def test_instrument_create_and_show_json_contract(ws, capsys):
    code, out, err = orb(
        capsys,
        "instrument",
        "create",
        "--county",
        "Bayside County",
        "--framework",
        "cpm-orb",
        "--elements",
        "A,C",
        "--scale",
        "4",
        "--min-group",
        "3",
        "--workspace",
        ws,
    )
    assert code == 0, err
    assert "Bayside County" in out
    code, out, _ = orb(capsys, "instrument", "show", "--county", "Bayside County", "--json", "--workspace", ws)
    body = json.loads(out)
    assert {i["element"] for i in body["items"]} == {"A", "C"}
    assert body["scale"]["points"] == 4 and len(body["scale"]["labels"]) == 4
    assert body["min_group"] == 3
    assert body["role_question"]["options"]
    assert all(set(i) >= {"id", "element", "text", "reverse"} for i in body["items"])


def test_instrument_items_flag_and_workspace_from_environment(ws, capsys, monkeypatch):
    monkeypatch.setenv("ORB_WORKSPACE", str(ws))
    code, out, err = orb(
        capsys, "instrument", "create", "--county", "X", "--framework", "cpm-orb", "--items", "A1,B2,B3", "--json"
    )
    assert code == 0, err
    assert [i["id"] for i in json.loads(out)["items"]] == ["A1", "B2", "B3"]


def test_instrument_export_writes_vendor_text_and_printable_page(ws, capsys, tmp_path):
    orb(capsys, "instrument", "create", "--county", "Bayside County", "--framework", "cpm-orb", "--workspace", ws)
    code, out, _ = orb(
        capsys, "instrument", "export", "--county", "Bayside County", "--out", tmp_path / "out", "--workspace", ws
    )
    assert code == 0
    text = (tmp_path / "out" / "bayside-county-survey.txt").read_text()
    page = (tmp_path / "out" / "bayside-county-survey-printable.html").read_text()
    assert "[A1]" in text and "Strongly agree" in text
    assert "<table>" in page and "anonymous" in page


def test_demo_then_score_json_contract(workspace, capsys):
    assert orb(capsys, "demo", "--counties", "3", "--workspace", workspace)[0] == 0
    code, out, _ = orb(capsys, "counties", "--workspace", workspace)
    counties = out.splitlines()
    assert len(counties) == 3
    code, out, err = orb(capsys, "score", "--county", counties[0], "--json", "--workspace", workspace)
    assert code == 0, err
    res = json.loads(out)
    assert {"elements", "by_role", "components", "priorities", "instrument", "wave"} <= set(res)
    assert set(res["elements"][0]) >= {
        "element",
        "n",
        "mean",
        "sd",
        "ci_low",
        "ci_high",
        "pct_agree",
        "alpha",
        "pct_dont_know",
        "rwg",
    }
    assert set(res["by_role"][0]) >= {"role", "element", "n", "mean", "suppressed"}
    code, out, _ = orb(
        capsys, "score", "--county", counties[0], "--wave", "2025-fall", "--json", "--workspace", workspace
    )
    assert json.loads(out)["wave"] == "2025-fall"


def test_demo_refuses_to_overwrite_a_workspace(workspace, capsys):
    orb(capsys, "demo", "--counties", "1", "--workspace", workspace)
    code, _, err = orb(capsys, "demo", "--counties", "1", "--workspace", workspace)
    assert code == 2 and "--force" in err


def test_plan_exports_the_prefilled_matrix(workspace, capsys, tmp_path):
    orb(capsys, "demo", "--counties", "2", "--workspace", workspace)
    code, out, err = orb(
        capsys, "plan", "--county", "Bayside County", "--out", tmp_path / "m.xlsx", "--workspace", workspace
    )
    assert code == 0, err
    import pandas as pd

    df = pd.read_excel(tmp_path / "m.xlsx")
    assert len(df) >= 1
    assert "What we learned" in " ".join(df.columns) or len(df.columns) >= 8


@pytest.mark.parametrize(
    "args, words",
    [
        (["score", "--county", "Nowhere County"], "no county, municipality or school named 'Nowhere County'"),
        (["instrument", "show", "--county", "Nowhere"], "no county, municipality or school named"),
        (["score", "--county", "Alder Creek County", "--wave", "1999"], "has no wave '1999'"),
        (["instrument", "create", "--county", "X", "--framework", "nope"], "no such content pack"),
        (["instrument", "create", "--county", "X", "--framework", "cpm-orb", "--elements", "Q"], "element 'Q'"),
    ],
)
def test_user_errors_are_one_line_with_exit_2_and_no_traceback(workspace, capsys, args, words):
    orb(capsys, "demo", "--counties", "1", "--workspace", workspace)
    code, out, err = orb(capsys, *args, "--workspace", workspace)
    assert code == 2
    assert words in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_import_of_a_missing_file_writes_nothing(workspace, capsys):
    orb(capsys, "demo", "--counties", "1", "--workspace", workspace)
    before = orb(capsys, "score", "--county", "Alder Creek County", "--json", "--workspace", workspace)[1]
    code, _, err = orb(
        capsys, "import", "nothere.csv", "--county", "Alder Creek County", "--wave", "w3", "--workspace", workspace
    )
    assert code == 2 and "nothere.csv: no such file" in err
    after = orb(capsys, "score", "--county", "Alder Creek County", "--json", "--workspace", workspace)[1]
    assert before == after


def test_installed_command_exits_2_without_traceback(workspace):
    proc = subprocess.run(
        [sys.executable, "-m", "orb_widgets.cli", "score", "--county", "X", "--workspace", str(workspace)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("orb: ")


def test_no_group_under_three_is_ever_shown(ws, capsys, monkeypatch):
    monkeypatch.delenv("ORB_CHECK_TINY_GROUPS", raising=False)
    for small in ("1", "2"):
        code, _, err = orb(
            capsys,
            "instrument",
            "create",
            "--county",
            "Bayside County",
            "--framework",
            "cpm-orb",
            "--min-group",
            small,
            "--workspace",
            ws,
        )
        assert code == 2 and "at least 3" in err and err.count("\n") == 1
