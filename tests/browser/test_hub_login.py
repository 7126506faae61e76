"""County teams on JupyterHub, in a browser: the hub's log-in page, a member's workbook, a coordinator's packets.

A real hub (tests/hub_server.py) on 127.0.0.1; each person logs in through the
log-in form in their own browser context, as two people on two computers.
"""

from __future__ import annotations

import re

import pytest
from conftest import SHOTS, check_accessibility, doc_screenshot
from hub_server import A, B, start_hub, stop_hub

LAPTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
#: A step page runs its notebook before it shows; a packet build takes a while on a busy 2-core machine.
PAGE_TIMEOUT = 180_000
BUILD_TIMEOUT = 420_000


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    running = start_hub(tmp_path_factory.mktemp("hub-browser"))
    yield running
    stop_hub(running)


def _shoot(page, name: str, full_page: bool = True) -> None:
    """Screenshots at a laptop's and a phone's size (when ORB_SCREENSHOTS names a folder)."""
    if not SHOTS:
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, label in ((LAPTOP, "laptop"), (PHONE, "phone")):
        page.set_viewport_size(size)
        page.screenshot(path=str(SHOTS / f"hub-{name}-{label}.png"), full_page=full_page)
    page.set_viewport_size(LAPTOP)


def _log_in(browser, hub: dict, name: str):
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(f"{hub['url']}/hub/login")
    page.get_by_label("Your log-in name").fill(name)
    page.get_by_label("Password").fill(hub["password"])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(rf"/user/{name}/voila/tree"), timeout=PAGE_TIMEOUT)
    page.get_by_role("heading", name="ORB Workbook").wait_for()
    return context, page


def test_the_log_in_page_says_what_to_type(browser, hub):
    context = browser.new_context(viewport=LAPTOP)
    page = context.new_page()
    page.goto(f"{hub['url']}/hub/login")
    page.get_by_role("heading", name="Log in to ORB Workbook").wait_for()
    text = page.inner_text("body")
    assert "name your coordinator gave you" in text and "password your coordinator gave you" in text
    assert "JupyterHub" not in text and "Sign in" not in text
    assert page.title() == "ORB Workbook"
    check_accessibility(page, "hub log-in")
    _shoot(page, "login")
    # a wrong password: the form again, with a plain message
    page.get_by_label("Your log-in name").fill("ana")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("alert").wait_for()
    assert page.get_by_label("Your log-in name").is_visible()
    context.close()


def test_a_member_sees_their_county_and_is_refused_the_other(browser, hub):
    context, page = _log_in(browser, hub, "ana")
    try:
        assert page.get_by_role("link", name=re.compile("Your county's packet")).count() == 1
        _shoot(page, "member-home")
        page.get_by_role("link", name=re.compile(r"^6\. Results")).click()
        page.get_by_text(A).first.wait_for(timeout=PAGE_TIMEOUT)
        assert B not in page.inner_text("body")

        # B's results by the page address: one plain line, nothing of B's
        page.goto(f"{hub['url']}/user/ana/voila/render/06-results.ipynb?county={B.replace(' ', '+')}")
        page.get_by_text(f"open for {A} only").first.wait_for(timeout=PAGE_TIMEOUT)
        assert not page.get_by_role("heading", name=re.compile(B)).count()  # none of B's results
        # another person's server
        response = page.goto(f"{hub['url']}/user/ben/voila/render/06-results.ipynb")
        assert response.status in (403, 404) or "/user/ben/" not in page.url
        assert B not in page.inner_text("body")
        # B's packet through the member's own packet page
        page.goto(f"{hub['url']}/user/ana/orb/packets")
        page.get_by_role("heading", name="Your county's packet").wait_for()
        assert B not in page.inner_text("body") and page.get_by_role("button").count() == 0
    finally:
        context.close()


def test_a_coordinator_sees_both_counties_and_builds_a_packet(browser, hub):
    context, page = _log_in(browser, hub, "cora")
    try:
        page.goto(f"{hub['url']}/user/cora/voila/render/06-results.ipynb?county={B.replace(' ', '+')}")
        page.get_by_text(B).first.wait_for(timeout=PAGE_TIMEOUT)
        assert "open for" not in page.inner_text("body")

        page.goto(f"{hub['url']}/user/cora/voila/tree")
        page.get_by_role("link", name=re.compile("County packets")).click()
        page.get_by_role("heading", name="County packets").wait_for()
        for county in (A, B):
            assert page.get_by_role("heading", name=county).count() == 1
        check_accessibility(page, "hub packets")
        _shoot(page, "coordinator-packets")

        page.get_by_role("button", name=f"Build the packet of {A}").click()
        page.get_by_text("The build has started").wait_for()
        open_a = page.get_by_role("link", name=f"Open the packet of {A}")
        open_a.wait_for(timeout=BUILD_TIMEOUT)  # the page reloads itself while the build runs
        page.get_by_text("Last build finished").wait_for(timeout=BUILD_TIMEOUT)
        page.get_by_text("Up to date", exact=True).wait_for()
        assert page.get_by_role("link", name=f"Download the PDF of {A}").count() == 1
        assert page.get_by_role("link", name=f"Open the packet of {B}").count() == 0
        _shoot(page, "coordinator-packets-built")
        doc_screenshot(page, "hub-packets")
        open_a.click()
        page.wait_for_url(re.compile(r"/orb/packets/.+\.html$"))
        assert A in page.inner_text("body")
        _shoot(page, "coordinator-packet-opened", full_page=False)
    finally:
        context.close()
