"""A breakout room's link in Debian's Chromium: phones typing at once, JavaScript on and off."""

from __future__ import annotations

import datetime as dt
import os
import sys
from pathlib import Path

import pytest
from conftest import check_accessibility, check_reads_like_a_product

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from survey_server import COUNTY, listen, make_workspace  # noqa: E402

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def room(tmp_path_factory):
    from orb_widgets.app import App
    from orb_widgets.survey.app import make_app
    from orb_widgets.survey.service import Survey, SurveyConfig
    from orb_widgets.webinar import roomlinks, storage

    os.environ.pop("ORB_DATABASE_URL", None)
    folder = tmp_path_factory.mktemp("room-browser") / "ws"
    make_workspace(folder)
    store = App.for_workspace(folder).store
    eid = roomlinks.create_event(store, "Spring webinar", dt.date(2026, 3, 12), "cps", 2, "coach")
    ev = storage.event(store, eid)
    ev.objectives, ev.agreements = ["Hear where each school starts"], ["Speak from your own experience"]
    storage.save_event(store, eid, ev, "coach")
    token = roomlinks.open_links(store, eid, "coach")[0]
    survey = Survey(App.for_workspace(folder).store, SurveyConfig(instrument_ttl=0))
    url, loop, thread = listen(survey, make_app)
    yield {"url": f"{url}room/{token}", "store": store, "event": eid}
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def _room(room):
    from orb_widgets.webinar import storage

    return storage.rooms(room["store"], room["event"])[0]


def _phone(browser, javascript=True):
    ctx = browser.new_context(viewport=PHONE, java_script_enabled=javascript)
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    return ctx, page, refused


def test_fields_save_by_themselves_and_two_phones_keep_both_texts(browser, room):
    a_ctx, a, a_refused = _phone(browser)
    b_ctx, b, b_refused = _phone(browser)
    try:
        a.goto(room["url"])
        b.goto(room["url"])
        check_reads_like_a_product(a, "room page")
        check_accessibility(a, "room page")
        # typing alone saves it, a moment after the typing stops
        a.get_by_label("Our notes").first.fill("Supervisors first")
        a.locator("#status-notes-0").get_by_text("Saved.").wait_for()
        assert _room(room).notes == {0: "Supervisors first"}
        # a second phone, opened before that save, types into the same field: both texts are kept, and it says so
        b.get_by_label("Our notes").first.fill("Parents too")
        b.locator("#status-notes-0").get_by_text("both texts are kept").wait_for()
        shown = b.get_by_label("Our notes").first.input_value()
        assert "Supervisors first" in shown and "Parents too" in shown and "[typed at the same time" in shown
        assert _room(room).notes[0] == shown
        # the first phone types on: what it saves now starts from the merged text, nothing is lost twice
        a.get_by_label("Our notes").first.fill("Supervisors first, then line staff")
        a.locator("#status-notes-0").get_by_text("both texts are kept").wait_for()
        stored = _room(room).notes[0]
        assert "Parents too" in stored and "then line staff" in stored
        assert a_refused == [] and b_refused == []
    finally:
        a_ctx.close()
        b_ctx.close()


def test_each_person_adds_and_then_changes_their_own_row(browser, room):
    ctx, page, refused = _phone(browser)
    try:
        page.goto(room["url"])
        page.get_by_label("Your county").fill(COUNTY)
        page.get_by_label("My next step").fill("Talk with our staff")
        page.get_by_role("button", name="Add my row").click()
        page.get_by_role("heading", name="Change your row").wait_for()
        page.get_by_label("My next step").fill("Talk with all our staff")
        page.locator("#status-person").get_by_text("Saved.").wait_for()
        people = [p for p in _room(room).people if p.county == COUNTY]
        assert [p.steps for p in people] == [["Talk with all our staff"]]
        assert refused == []
    finally:
        ctx.close()


def test_without_javascript_the_save_button_saves(browser, room):
    ctx, page, _ = _phone(browser, javascript=False)
    try:
        page.goto(room["url"])
        page.get_by_label("The one thing this room wants everyone to hear").fill("Start small")
        page.locator("#takeaway").get_by_role("button", name="Save").click()
        page.locator("#status-takeaway").get_by_text("Saved.").wait_for()
        assert _room(room).takeaway == "Start small"
        assert page.get_by_label("The one thing this room wants everyone to hear").input_value() == "Start small"
    finally:
        ctx.close()
