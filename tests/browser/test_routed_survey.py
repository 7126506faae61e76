"""A routed survey in Chromium, on a phone, with JavaScript on and off: the role first, then only
that group's statements; sent answers stored with the group."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from conftest import check_accessibility

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from survey_server import COUNTY, WAVE, make_workspace, start  # noqa: E402

PHONE = {"width": 390, "height": 844}
SHOTS = Path(os.environ.get("ORB_SCREENSHOTS") or Path(__file__).resolve().parent / "screenshots")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from orb_widgets.instrument import tailor

    os.environ.pop("ORB_DATABASE_URL", None)
    folder = tmp_path_factory.mktemp("routed-browser") / "ws"
    store = make_workspace(folder)
    store.save_instrument(tailor("cpm-orb", county=COUNTY, routed=True))
    running = start(folder)
    yield running
    running.stop()


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_partner_chooses_the_group_then_answers_only_the_partners_statements(browser, server, javascript):
    before = server.store.response_count(COUNTY, WAVE)
    ctx = browser.new_context(viewport=PHONE, locale="en-US", java_script_enabled=javascript)
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    try:
        page.goto(server.link())
        assert page.locator("fieldset.question").count() == 1  # the role question alone
        if javascript:
            check_accessibility(page, "the routed survey's first page")
        page.get_by_role("radio", name="Community member or partner agency").check()
        page.get_by_role("button", name="Next: my statements").click()
        page.get_by_text("You answer as: Community member or partner agency.").wait_for()
        assert "role=partners" in page.url
        assert page.locator("fieldset.question").count() == 16
        assert page.get_by_text("My supervisor helps me").count() == 0
        if javascript:
            check_accessibility(page, "a routed survey's page for one group")
            page.get_by_text("0 of 16 answered").wait_for()
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / "survey-routed-partners-phone.png"))
        page.locator("fieldset.question").first.get_by_role("radio", name="Agree", exact=True).check()
        page.get_by_role("button", name="Send my answers").click()
        page.get_by_role("heading", name="Thank you — your answers were saved.").wait_for()
    finally:
        ctx.close()
    assert server.store.response_count(COUNTY, WAVE) == before + 1
    stored = server.store.answers_frame(COUNTY)
    assert set(stored["role"]) == {"partners"} and set(stored["item"]) <= {"A1"}
