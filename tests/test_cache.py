"""A county's results kept in the workspace (orb_widgets/cache.py): shared, never out of date, never half read."""

from __future__ import annotations

import json

import pytest

from orb_widgets import cache
from orb_widgets.app import App
from orb_widgets.demo import make_demo
from orb_widgets.results import county_results
from orb_widgets.store import NewResponse


@pytest.fixture
def demo(tmp_path):
    store = App.for_workspace(tmp_path / "ws", create=True).store
    county = make_demo(store, counties=1, seed=3)[0]
    return store, county


def _files(store) -> list:
    return sorted((store.folder / cache.FOLDER).glob("*.json"))


def test_results_are_made_once_and_read_by_the_next_page_and_the_packet(demo):
    from orb_widgets.packets import Packet

    store, county = demo
    first = cache.Entry(store, county)
    report = first.report()
    assert first.computed and report == county_results(store, county)
    Packet(store, county).section_html("scores")  # the packet keeps its charts beside the scores
    again = cache.Entry(store, county, store.waves(county)[-1])  # the latest wave, by name: the same entry
    assert again.report() == report and not again.computed
    assert "chart:elements" in again.data and again.data["chart:elements"]["svg"].startswith("<svg")
    assert len(_files(store)) == 1


def test_a_new_answer_or_survey_version_is_never_shown_from_the_old_results(demo):
    from orb_widgets.instrument import tailor

    store, county = demo
    before = cache.Entry(store, county).report()
    inst = store.current_instrument(county)
    wave = store.waves(county)[-1]
    store.add_responses(county, wave, [NewResponse(role=inst.roles[0].id, answers={i.id: 1 for i in inst.items})])
    after = cache.Entry(store, county)
    assert after.report().n_respondents == before.n_respondents + 1 and after.computed
    assert after.report() == county_results(store, county)
    # a new version of the survey (other elements) is a new fingerprint too
    key = after.key
    store.save_instrument(tailor(inst.framework, county=county, elements=["A", "B"], points=inst.scale.points))
    assert cache.fingerprint(store, county, wave) != key


def test_a_damaged_file_is_made_again_never_an_error(demo):
    store, county = demo
    report = cache.Entry(store, county).report()
    for damage in (
        "{not json",
        "",
        json.dumps({"format": cache.FORMAT, "key": "other", "parts": {}}),
        json.dumps({"format": cache.FORMAT, "key": cache.Entry(store, county).key, "parts": {"report": {"county": 5}}}),
    ):
        _files(store)[0].write_text(damage, "utf-8")
        entry = cache.Entry(store, county)
        assert entry.report() == report and entry.computed
    assert json.loads(_files(store)[0].read_text("utf-8"))["parts"]["report"]["county"] == county


def test_a_write_cut_off_leaves_the_previous_file_whole(demo, monkeypatch):
    store, county = demo
    entry = cache.Entry(store, county)
    entry.report()
    whole = _files(store)[0].read_text("utf-8")

    def cut_off(src, dst):  # the process dies between writing the new file and putting it in place
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache.os, "replace", cut_off)
    assert entry.get("part:extra", lambda: "x" * 100_000) == "x" * 100_000  # the page still shows it
    assert _files(store)[0].read_text("utf-8") == whole
    assert [p.name for p in (store.folder / cache.FOLDER).iterdir() if p.name.startswith(".tmp-")] == []
    monkeypatch.undo()
    assert not cache.Entry(store, county).computed


def test_a_workspace_that_cannot_be_written_still_shows_results(demo, monkeypatch):
    store, county = demo

    def refused(*args, **kw):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cache.tempfile, "mkstemp", refused)
    entry = cache.Entry(store, county)
    assert entry.report() == county_results(store, county) and _files(store) == []


def test_a_changed_template_or_style_sheet_makes_kept_results_again(tmp_path, monkeypatch):
    """A packet part kept before an update of ORB's templates or style sheets is not shown after it."""
    import shutil

    from orb_widgets import resources

    templates = tmp_path / "templates"
    shutil.copytree(resources.shipped("templates"), templates)
    real = resources.shipped
    monkeypatch.setattr(resources, "shipped", lambda name: templates if name == "templates" else real(name))
    versions = []
    for change in (None, "partials/table.html.j2", "packet/static/packet.css"):
        if change:
            with (templates / change).open("a", encoding="utf-8") as f:
                f.write("\n")
        cache.code_version.cache_clear()
        versions.append(cache.code_version())
    cache.code_version.cache_clear()
    assert len(set(versions)) == 3
