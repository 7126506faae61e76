"""The respondent form, without a browser: every value is checked in the kernel."""
from __future__ import annotations

import subprocess
import sys

import pytest
from traitlets import TraitError

from orb_widgets.exceptions import InvalidValue
from orb_widgets.instrument import tailor
from orb_widgets.widgets.form import (AssessmentForm, build_response, default_wave, form_settings,
                                      take_assessment)

COUNTY = "Example County"


@pytest.fixture
def county_store(store):
    store.add_county(COUNTY)
    store.add_county("Other County")
    store.save_instrument(tailor("cpm-orb", county=COUNTY, elements=["A", "B"], points=5))
    return store


@pytest.fixture
def form(county_store):
    return AssessmentForm(county_store, COUNTY, wave="2026-spring")


def _fill(form, value_index=3):
    form.role.choice.index = 1
    for q in form.questions.values():
        q.choice.index = value_index


# ---------------------------------------------------------------- pure checks
def test_build_response_refuses_what_the_survey_does_not_have(county_store):
    inst = county_store.current_instrument(COUNTY)
    first = inst.items[0].id
    assert build_response(inst, "Supervisor", {first: 5}).role == "supervisors"
    assert build_response(inst, "supervisors", {first: "dk"}).answers == {first: "dk"}
    for role, answers, comments in [
        ("mayor", {first: 3}, None),             # unknown role group
        (None, {first: 3}, None),                # no role group
        ("supervisors", {first: 6}, None),       # off the 5-point scale
        ("supervisors", {first: 0}, None),
        ("supervisors", {first: True}, None),    # a bool is not a scale point
        ("supervisors", {first: "4"}, None),     # nor is text
        ("supervisors", {"Z99": 3}, None),       # not in this survey
        ("supervisors", {first: None}, None),    # nothing answered
        ("supervisors", {first: 3}, {"Q": "x"}),  # comment on a section it does not have
        ("supervisors", {first: 3}, {"A": 42}),
    ]:
        with pytest.raises(InvalidValue):
            build_response(inst, role, answers, comments)


def test_comments_are_trimmed_and_capped(county_store):
    inst = county_store.current_instrument(COUNTY)
    r = build_response(inst, "supervisors", {inst.items[0].id: 2}, {"A": "  x" * 5000, "B": "   "})
    assert len(r.comments["A"]) == 2000 and "B" not in r.comments


def test_server_fixed_county_wave_and_workspace_win(tmp_path):
    env = {"ORB_FORM_COUNTY": COUNTY, "ORB_FORM_WAVE": "2026-fall", "ORB_WORKSPACE": str(tmp_path)}
    assert form_settings(environ=env) == (COUNTY, "2026-fall", tmp_path.resolve())
    assert form_settings(COUNTY, "2026-fall", tmp_path, environ=env)[0] == COUNTY
    with pytest.raises(InvalidValue, match="for Example County"):
        form_settings("Other County", environ=env)
    with pytest.raises(InvalidValue, match="wave"):
        form_settings(wave="1999-spring", environ=env)
    with pytest.raises(InvalidValue, match="workspace"):
        form_settings(workspace=tmp_path / "elsewhere", environ=env)
    # Not locked: the notebook's parameters decide.
    assert form_settings("Other County", None, tmp_path, environ={})[0] == "Other County"


def test_default_wave_prefers_the_open_wave(county_store):
    import datetime as dt

    assert default_wave(county_store, COUNTY, today=dt.date(2026, 3, 1)) == "2026-spring"
    assert default_wave(county_store, COUNTY, today=dt.date(2026, 9, 1)) == "2026-fall"
    county_store.set_meta(f"open_wave:{COUNTY}", "2026-pilot")
    assert default_wave(county_store, COUNTY) == "2026-pilot"


# ---------------------------------------------------------------- the widget
def test_form_stores_one_anonymous_response_and_clears(form, county_store):
    _fill(form)
    form.comment_boxes["A"].value = "More <script>coaching</script>"
    assert form.progress.value == len(form.questions)
    form.submit.click()
    assert county_store.response_count(COUNTY, "2026-spring") == 1
    df = county_store.answers_frame(COUNTY)
    assert set(df["value"]) == {4.0} and set(df["role"]) == {"supervisors"}
    assert county_store.comments(COUNTY)[0]["text"] == "More <script>coaching</script>"
    # Cleared for the next person, and the thanks shown instead of the form.
    assert form.role.value is None and all(q.value is None for q in form.questions.values())
    assert all(b.value == "" for b in form.comment_boxes.values())
    assert form.progress.value == 0
    assert form.body.layout.display == "none" and form.thanks.layout.display is None
    form.again.click()
    assert form.body.layout.display is None


def test_form_shows_no_identifying_fields(form):
    descriptions = " ".join(str(getattr(w, "description", "")) for w in _walk(form)).lower()
    assert "name" not in descriptions.replace("names", "") and "mail" not in descriptions
    header = form.header.value
    assert "anonymous" in header and COUNTY in header


def test_missing_role_is_refused_with_a_message(form, county_store):
    form.questions[next(iter(form.questions))].choice.index = 2
    form.submit.click()
    assert county_store.response_count(COUNTY) == 0
    assert "role" in form.status.value and "role='alert'" in form.status.value


def test_crafted_widget_state_is_refused(form, county_store):
    """What a client can do over the kernel connection, done here by setting state directly."""
    q = next(iter(form.questions.values()))
    with pytest.raises(TraitError):
        q.choice.set_state({"index": 9})          # off the scale
    with pytest.raises(TraitError):
        form.role.choice.set_state({"index": 12})  # no such role group
    with pytest.raises(TraitError):
        form.set_state({"county": "Other County"})
    with pytest.raises(TraitError):
        form.set_state({"wave": "1999-spring"})
    assert form.county == COUNTY and form.wave == "2026-spring"
    # Labels tampered so a bigger index passes the widget's own check: the value is never off the scale.
    try:
        q.choice.set_state({"_options_labels": [str(k) for k in range(12)], "index": 11})
    except Exception:
        pass
    assert q.value in (None, 1, 2, 3, 4, 5, "dk")
    # Even if the widget layer were fooled, the form refuses before the store.
    _fill(form)
    q.choice._trait_values["value"] = 9
    form.submit.click()
    assert county_store.response_count(COUNTY) == 0
    assert "not on the 5-point scale" in form.status.value
    form.role.choice._trait_values["value"] = "mayor"
    q.choice._trait_values["value"] = 3
    form.submit.click()
    assert county_store.response_count(COUNTY) == 0
    assert "role group" in form.status.value


def test_take_assessment_refuses_another_county_or_workspace(county_store, tmp_path, monkeypatch):
    from orb_widgets.store import Store

    ws = tmp_path / "ws"
    s = Store.open(ws)
    s.add_county(COUNTY)
    s.save_instrument(tailor("cpm-orb", county=COUNTY, elements=["A"], points=4))
    monkeypatch.setenv("ORB_WORKSPACE", str(ws))
    monkeypatch.setenv("ORB_FORM_COUNTY", COUNTY)
    assert isinstance(take_assessment(), AssessmentForm)
    refused = take_assessment(county="Other County")
    assert not isinstance(refused, AssessmentForm) and "cannot collect" in refused.value
    refused = take_assessment(workspace=tmp_path / "other")
    assert not isinstance(refused, AssessmentForm) and "workspace" in refused.value
    monkeypatch.setenv("ORB_FORM_COUNTY", "Nowhere County")
    assert "not available" in take_assessment().value


def test_form_kernel_does_not_load_pandas(tmp_path):
    """The respondent's kernel runs the form notebook's code without pandas, numpy or plots."""
    from orb_widgets.store import Store

    ws = tmp_path / "ws"
    s = Store.open(ws)
    s.add_county(COUNTY)
    s.save_instrument(tailor("cpm-orb", county=COUNTY, points=5))
    import nbformat

    from orb_widgets.serve import FORM_NOTEBOOK, notebooks_dir

    nb = nbformat.read(notebooks_dir() / FORM_NOTEBOOK, 4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    probe = code + "\nimport sys\nprint(sorted(m for m in ('pandas', 'numpy', 'matplotlib', 'seaborn', 'scipy') if m in sys.modules))"
    env = {"ORB_WORKSPACE": str(ws), "ORB_FORM_COUNTY": COUNTY, "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_preview_outside_the_form_server_checks_but_does_not_store(county_store, tmp_path, monkeypatch):
    from orb_widgets.store import Store

    ws = tmp_path / "ws"
    s = Store.open(ws)
    s.add_county(COUNTY)
    s.save_instrument(tailor("cpm-orb", county=COUNTY, elements=["A"], points=4))
    monkeypatch.delenv("ORB_FORM_COUNTY", raising=False)
    form = take_assessment(county=COUNTY, workspace=ws)
    assert form.preview and "Preview" in form.header.value
    _fill(form, 2)
    form.submit.click()
    assert s.response_count(COUNTY) == 0 and "not saved" in form.status.value
