"""Team pages served by ``orb serve``: the planning matrix and a breakout round, in a browser."""

from __future__ import annotations

import re
import time
import uuid

from conftest import (
    FORM_COUNTY,
    SHOTS,
    KernelChannel,
    check_accessibility,
    check_reads_like_a_product,
    doc_screenshot,
    kernel_id,
    wait_for_notebook,
    wait_until_drawn,
)

ROW_TITLE = re.compile(r"^[A-F]\. .+ · ")


def _open(page, served, notebook: str):
    page.goto(served.page_url(notebook))
    page.get_by_label("Your name").wait_for(timeout=90_000)
    page.get_by_label("Your name").fill("Browser Test")
    return page


def _visible(locator):
    return locator.filter(visible=True).first


def test_home_page_lists_named_steps(page, workbook_server):
    page.goto(workbook_server.page_url())
    page.get_by_role("heading", name="ORB Workbook").wait_for()
    assert page.get_by_role("link", name="7. SO WHAT? planning matrix").count() == 1
    assert "packet" not in page.inner_text("body")
    check_reads_like_a_product(page, "home")
    check_accessibility(page, "home")
    doc_screenshot(page, "home")


def test_team_member_edits_the_matrix_and_sees_it_after_reload(page, workbook_server, demo_workspace):
    wait_for_notebook("07-planning-matrix.ipynb")
    _open(page, workbook_server, "07-planning-matrix.ipynb")
    check_reads_like_a_product(page, "planning-matrix")
    check_accessibility(page, "planning-matrix")
    row = page.get_by_text(ROW_TITLE).first
    if row.count() == 0:
        page.get_by_role("button", name="Start from our survey priorities").click()
        row.wait_for()
    key = row.inner_text().strip()[0]
    row.click()
    learned = _visible(page.get_by_label("What we learned"))
    text = f"Staff want shadowing before trying it ({uuid.uuid4().hex[:6]})"
    learned.fill(text)
    learned.press("Tab")  # leave the box: the edit is saved as you go
    _visible(page.get_by_text("Saved · by Browser Test")).wait_for(timeout=20_000)  # the page says it is saved

    from orb_widgets import workbook
    from orb_widgets.app import App

    body = workbook.load(App.for_workspace(demo_workspace).store, FORM_COUNTY, "matrix_row", key)
    saved = body.get("what_we_learned") if isinstance(body, dict) else getattr(body, "what_we_learned", "")
    assert saved == text, "the page said saved, but the edit is not in the store"

    page.reload()
    page.get_by_label("Your name").wait_for(timeout=90_000)
    page.get_by_text(ROW_TITLE).first.click()
    assert _visible(page.get_by_label("What we learned")).input_value() == text
    doc_screenshot(page, "planning-matrix")


def test_coach_runs_a_breakout_round_and_gets_the_takeaways(page, workbook_server):
    from playwright.sync_api import expect

    wait_for_notebook("02-breakout-session.ipynb")
    _open(page, workbook_server, "02-breakout-session.ipynb")
    check_reads_like_a_product(page, "breakout")
    check_accessibility(page, "breakout")
    # before the webinar: a new event with two rooms
    title = f"Browser test webinar {uuid.uuid4().hex[:4]}"
    page.get_by_label("New event title").fill(title)
    rooms_box = page.get_by_label("Rooms", exact=True)
    rooms_box.fill("2")
    rooms_box.press("Tab")
    page.get_by_role("button", name="Set up the event").click()
    page.get_by_text("Event set up").wait_for()
    event = page.get_by_label("Event", exact=True)
    expect(event).to_have_value(re.compile(re.escape(title)))
    # in the rooms: one room per screen, the reporter types as the room talks
    rooms = [
        (
            "Room 1",
            "Ana",
            "Ben",
            "Lee",
            "Alder Creek County",
            "Supervisor",
            "Families want to hear it from their workers first",
        ),
        ("Room 2", "Cy", "Dee", "Mo", "Wren Valley County", "Caseworker", "Supervisors need coaching time protected"),
    ]
    for room, facilitator, reporter, person, county, role, takeaway in rooms:
        page.get_by_role("button", name=room, exact=True).click()
        expect(_visible(page.get_by_label("Room name"))).to_have_value(room)
        # the new event's empty room is on screen (not the room of the event shown before)
        _visible(page.get_by_text("Nothing saved yet")).wait_for()
        _visible(page.get_by_label("Facilitator")).fill(facilitator)
        _visible(page.get_by_label("Reporter")).fill(reporter)
        _visible(page.get_by_label("Notes for prompt 1")).fill(f"{room} talked about readiness")
        _visible(page.get_by_label("Person 1", exact=True)).fill(person)
        _visible(page.get_by_label("County", exact=True)).fill(county)
        _visible(page.get_by_label("Role", exact=True)).fill(role)
        _visible(page.get_by_label("Next step 1", exact=True)).fill(f"{person} shadows a home visit")
        takeaway_box = _visible(page.get_by_label("SO WHAT? Our takeaway"))
        takeaway_box.fill(takeaway)
        takeaway_box.press("Tab")
        # everything saves as the reporter types: wait for the room's own "Saved" line
        _visible(page.get_by_text("Saved · by Browser Test")).wait_for(timeout=20_000)
    if SHOTS:
        page.get_by_role("tab", name="Rooms").scroll_into_view_if_needed()
        page.screenshot(path=str(SHOTS / "breakout-room-top.png"))
        page.locator(".widget-tab").first.screenshot(path=str(SHOTS / "breakout-room.png"))
    doc_screenshot(page.locator(".widget-tab").first, "breakout-room")
    # when everyone is back: the compiled SO WHAT? view has both rooms' takeaways and next steps
    page.get_by_role("tab", name="SO WHAT? compiled").click()
    page.get_by_role("button", name="Refresh now").click()
    compiled = page.locator(".orb-compiled").filter(visible=True).first
    for room, _, reporter, person, county, role, takeaway in rooms:
        expect(compiled).to_contain_text(takeaway, timeout=20_000)
        expect(compiled).to_contain_text(f"{room} (reported by {reporter})")
        expect(compiled).to_contain_text(county)
        expect(compiled).to_contain_text(f"{person} shadows a home visit ({person}, {role}, {room})")
    check_accessibility(page, "breakout-takeaways")
    check_reads_like_a_product(page, "breakout-takeaways")


def test_code_sent_from_a_workbook_page_is_never_run(page, workbook_server, tmp_path):
    """Over the page's own kernel websocket, in JSON and in the browser's binary protocol: code never runs."""
    page.goto(workbook_server.page_url("01-start-here.ipynb"))
    page.locator(".jupyter-widgets").first.wait_for(timeout=90_000)
    kid = kernel_id(page)
    target = tmp_path / "written-by-a-browser.txt"
    execute = {
        "code": f"open({str(target)!r}, 'w').write('pwned')",
        "silent": False,
        "store_history": True,
        "user_expressions": {},
        "allow_stdin": False,
        "stop_on_error": True,
    }
    for v1 in (False, True):
        channel = KernelChannel(workbook_server, kid, v1=v1)
        try:
            assert channel.ws.subprotocol == ("v1.kernel.websocket.jupyter.org" if v1 else None)
            refused = {channel.send("execute_request", execute, channel=name) for name in ("shell", "control")}
            refused.add(
                channel.send("history_request", {"output": False, "raw": True, "hist_access_type": "tail", "n": 10})
            )
            # A kernel_info_request sent after them is answered: the shell has handled all that reached it
            # before (one queue, in order), and nothing came back for the code or the history request.
            barrier = channel.send("kernel_info_request", {})
            seen, deadline = [], time.monotonic() + 60
            while time.monotonic() < deadline:
                channel.ws.settimeout(max(0.05, deadline - time.monotonic()))
                msg = channel.recv()
                seen.append(msg)
                if msg["parent_header"].get("msg_id") == barrier and msg["header"]["msg_type"] == "kernel_info_reply":
                    break
            else:
                raise AssertionError("the kernel never answered a kernel_info_request")
            answered = [m["header"]["msg_type"] for m in seen if m["parent_header"].get("msg_id") in refused]
            assert answered == [], f"the kernel answered code sent from a page: {answered}"
        finally:
            channel.close()
    # the server says why (the control-channel message has no shell queue to wait on: its refusal is the proof)
    deadline = time.monotonic() + 20
    lines = []
    while time.monotonic() < deadline:
        lines = [line for line in workbook_server.log().splitlines() if kid in line and "Refused a" in line]
        if len(lines) >= 6:
            break
        time.sleep(0.25)
    for kind, on in [("execute_request", "shell"), ("execute_request", "control"), ("history_request", "shell")]:
        assert sum(f"Refused a '{kind}' message on channel '{on}'" in line for line in lines) == 2, (kind, on, lines)
    assert not target.exists()


import pytest  # noqa: E402

OTHER_PAGES = [
    "01-start-here.ipynb",
    "03-key-messages.ipynb",
    "04-tailor-assessment.ipynb",
    "05-take-assessment.ipynb",
    "06-results.ipynb",
    "08-testing-profile.ipynb",
    "09-implementation-plan.ipynb",
]


@pytest.mark.parametrize("notebook", OTHER_PAGES)
def test_every_other_served_page_is_accessible_and_reads_like_a_product(page, workbook_server, notebook):
    wait_for_notebook(notebook)
    page.goto(workbook_server.page_url(notebook))
    wait_until_drawn(page)
    check_reads_like_a_product(page, notebook.removesuffix(".ipynb"))
    check_accessibility(page, notebook.removesuffix(".ipynb"))
    if notebook == "06-results.ipynb":  # the scores, not the guidance above them
        page.locator(".widget-tab").first.evaluate("el => el.scrollIntoView({block: 'start'})")
        doc_screenshot(page, "results")


# Phones: every step at 390×844 and 1366×900, every tab and accordion open, is checked in test_layout.py.


def test_text_boxes_on_a_phone_show_all_they_hold_in_the_pages_font_and_dropdowns_are_as_tall(browser, workbook_server):
    """The testing profile's and the plan's boxes hold whole sentences: on a phone none is cut off at its
    third line, none is written in a code font, and a dropdown is as tall as a one-line text box."""
    inputs, dropdowns = [], []
    for notebook in ("08-testing-profile.ipynb", "09-implementation-plan.ipynb"):
        wait_for_notebook(notebook)
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            page.goto(workbook_server.page_url(notebook))
            wait_until_drawn(page)
            boxes = page.evaluate(
                """() => [...document.querySelectorAll('.widget-textarea textarea')]
                    .filter(t => t.getClientRects().length)
                    .map(t => ({text: t.value.slice(0, 40), cut: t.scrollHeight - t.clientHeight,
                                font: getComputedStyle(t).fontFamily}))"""
            )
            filled = [b for b in boxes if b["text"]]
            assert len(filled) >= 3, (notebook, boxes)  # the demo wrote in them
            assert [b for b in filled if b["cut"] > 1] == [], notebook
            assert [b for b in boxes if "monospace" in b["font"]] == [], notebook
            heights = page.evaluate(
                """() => ['.widget-text input', '.widget-dropdown > select'].map(css =>
                    [...document.querySelectorAll(css)].filter(e => e.getClientRects().length)
                    .map(e => Math.round(e.getBoundingClientRect().height)))"""
            )
            inputs += heights[0]
            dropdowns += heights[1]
        finally:
            context.close()
    assert dropdowns and inputs and min(dropdowns) >= max(inputs) - 1, (inputs, dropdowns)
