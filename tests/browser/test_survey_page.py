"""The survey link in Debian's Chromium: phones and laptops, English and Spanish, keyboard only,
JavaScript off, and a send while the store fails. Pages are plain HTML from an in-process server."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from conftest import check_accessibility, doc_screenshot

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from survey_server import COUNTY, OTHER, WAVE, make_workspace, start  # noqa: E402

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
SHOTS = Path(os.environ.get("ORB_SCREENSHOTS") or Path(__file__).resolve().parent / "screenshots")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    os.environ.pop("ORB_DATABASE_URL", None)
    folder = tmp_path_factory.mktemp("survey-browser") / "ws"
    make_workspace(folder)
    running = start(folder)
    yield running
    running.stop()


def open_page(browser, size, locale="en-US", javascript=True):
    ctx = browser.new_context(viewport=size, locale=locale, java_script_enabled=javascript)
    page = ctx.new_page()
    page.set_default_timeout(15_000)
    return ctx, page


def shot(page, name: str, full: bool = False) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full)


def answer(page, group_name: str, choice: str) -> None:
    page.get_by_role("group", name=group_name).get_by_role("radio", name=choice, exact=True).check()


@pytest.mark.parametrize(
    "size,locale",
    [(DESKTOP, "en-US"), (PHONE, "en-US"), (DESKTOP, "es-ES"), (PHONE, "es-MX")],
    ids=["desktop-en", "phone-en", "desktop-es", "phone-es"],
)
def test_fill_and_send(browser, server, size, locale):
    es = locale.startswith("es")
    before = server.store.response_count(COUNTY, WAVE)
    ctx, page = open_page(browser, size, locale)
    try:
        page.goto(server.link())
        assert page.locator("html").get_attribute("lang") == ("es" if es else "en")
        role_q = "¿Qué grupo describe mejor su puesto?" if es else "Which group best fits your role?"
        role = page.get_by_role("group", name=role_q)
        # The role question comes first, then the parts.
        assert (
            role.bounding_box()["y"]
            < page.get_by_role("heading", name="Part 1 of 6" if not es else "Parte 1 de 6").bounding_box()["y"]
        )
        check_accessibility(page, f"survey-{size['width']}-{locale}")
        role.get_by_role("radio", name="Supervisor o supervisora" if es else "Supervisor", exact=True).check()
        agree = "De acuerdo" if es else "Agree"
        statements = page.locator("fieldset.question").filter(has=page.locator("input[name^='q-']"))
        for n in range(4):
            statements.nth(n).get_by_role("radio", name=agree, exact=True).check()
        page.get_by_text("4 de 36 contestadas" if es else "4 of 36 answered").wait_for()
        # Every answer target is at least 44 px high, and the choices keep one shape for every statement.
        boxes = [statements.nth(n).locator("label.choice").nth(k).bounding_box() for n in (0, 9) for k in range(6)]
        assert min(b["height"] for b in boxes) >= 44 and min(b["width"] for b in boxes) >= 44
        first, tenth = boxes[:6], boxes[6:]
        assert [round(b["width"]) for b in first] == [round(b["width"]) for b in tenth]
        if size is PHONE:
            assert len({round(b["x"]) for b in first}) == 1  # a vertical list
            bar = page.locator("#progress").bounding_box()
            assert bar["height"] <= 48  # the progress line is one row
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        else:
            assert len({round(b["y"]) for b in first}) == 1  # one row
        page.locator("textarea").first.fill("Más tiempo <b>para</b> aprender" if es else "More time <b>please</b>")
        page.get_by_role("button", name="Enviar mis respuestas" if es else "Send my answers").click()
        page.get_by_role(
            "heading", name="Gracias. Sus respuestas se guardaron." if es else "Thank you — your answers were saved."
        ).wait_for()
        check_accessibility(page, f"survey-thanks-{size['width']}-{locale}")
        assert page.locator("form").count() == 0 and page.get_by_role("button").count() == 0
        assert server.store.response_count(COUNTY, WAVE) == before + 1
        # Back to the page and reload: the sent page is not sent again, and the tab's draft was cleared.
        page.go_back()
        assert page.locator("input[type=radio]:checked").count() == 0
    finally:
        ctx.close()
    assert server.store.response_count(COUNTY, WAVE) == before + 1


def test_keyboard_only(browser, server):
    """Tab to each question, Space to choose, Enter to send: no mouse."""
    before = server.store.response_count(OTHER, WAVE)
    ctx, page = open_page(browser, DESKTOP)
    try:
        page.goto(server.link(server.other_token))
        page.locator("body").focus()
        chosen, sent = 0, False
        for _ in range(400):
            page.keyboard.press("Tab")
            kind = page.evaluate("() => { const e = document.activeElement; return e ? (e.type || e.tagName) : '' }")
            if kind == "radio":
                page.keyboard.press("Space")
                chosen += 1
            elif kind == "submit":
                page.keyboard.press("Enter")
                sent = True
                break
        assert sent and chosen >= 10
        page.get_by_role("heading", name="Thank you — your answers were saved.").wait_for()
    finally:
        ctx.close()
    assert server.store.response_count(OTHER, WAVE) == before + 1


def test_javascript_off(browser, server):
    before = server.store.response_count(COUNTY, WAVE)
    ctx, page = open_page(browser, PHONE, javascript=False)
    try:
        page.goto(server.link())
        assert not page.locator("#progress").is_visible()  # needs the script; the form does not
        answer(page, "Which group best fits your role?", "Social worker or other line staff")
        page.locator("fieldset.question").nth(1).get_by_role("radio", name="Strongly agree").check()
        page.get_by_role("button", name="Send my answers").click()
        page.get_by_role("heading", name="Thank you — your answers were saved.").wait_for()
    finally:
        ctx.close()
    assert server.store.response_count(COUNTY, WAVE) == before + 1


def test_a_half_filled_form_survives_a_reload(browser, server):
    ctx, page = open_page(browser, PHONE)
    try:
        page.goto(server.link())
        answer(page, "Which group best fits your role?", "Supervisor")
        page.locator("fieldset.question").nth(2).get_by_role("radio", name="Disagree", exact=True).check()
        page.locator("textarea").first.fill("half way")
        page.reload()
        assert page.locator("input[type=radio]:checked").count() == 2
        assert page.locator("textarea").first.input_value() == "half way"
        page.get_by_text("1 of 36 answered").wait_for()
    finally:
        ctx.close()


def test_send_while_the_store_fails(browser, server):
    from orb_widgets.exceptions import WorkspaceError

    def full(*a, **k):
        raise WorkspaceError("/srv/orb is full: nothing was saved")

    before = server.store.response_count(COUNTY, WAVE)
    real = server.survey.store.add_responses
    server.survey.store.add_responses = full
    ctx, page = open_page(browser, PHONE)
    try:
        page.goto(server.link())
        answer(page, "Which group best fits your role?", "Supervisor")
        page.locator("fieldset.question").nth(1).get_by_role("radio", name="Agree", exact=True).check()
        page.locator("textarea").first.fill("please keep this")
        page.get_by_role("button", name="Send my answers").click()
        alert = page.get_by_role("alert")
        alert.wait_for()
        assert "could not save your answers just now" in alert.inner_text()
        assert page.evaluate("document.activeElement.id") == "problem"
        assert page.locator("input[type=radio]:checked").count() == 2
        assert page.locator("textarea").first.input_value() == "please keep this"
        check_accessibility(page, "survey-store-failed")
        shot(page, "390-store-failed")
        server.survey.store.add_responses = real
        page.get_by_role("button", name="Send my answers").click()
        page.get_by_role("heading", name="Thank you — your answers were saved.").wait_for()
    finally:
        server.survey.store.add_responses = real
        ctx.close()
    assert server.store.response_count(COUNTY, WAVE) == before + 1


def test_screenshots_of_every_state_on_a_phone(browser, server, tmp_path):
    """Every state a respondent can meet, at 390x844, for a person to look at (tests/browser/screenshots/)."""
    ctx, page = open_page(browser, PHONE)
    try:
        page.goto(server.link())
        shot(page, "390-1-form-top")
        doc_screenshot(page, "survey-phone")
        answer(page, "Which group best fits your role?", "Supervisor")
        page.locator("fieldset.question").nth(3).scroll_into_view_if_needed()
        page.locator("fieldset.question").nth(2).get_by_role("radio", name="Agree", exact=True).check()
        shot(page, "390-2-answering")
        page.evaluate("sessionStorage.clear()")
        page.goto(server.link())
        page.locator("fieldset.question").nth(1).get_by_role("radio", name="Agree", exact=True).check()
        page.get_by_role("button", name="Send my answers").click()
        page.get_by_role("alert").wait_for()
        shot(page, "390-3-role-missing")
        page.goto(server.link("?lang=es"))
        shot(page, "390-4-spanish")
        page.goto(server.link(server.other_token, "?lang=sv"))
        shot(page, "390-5-swedish-4-point")
        page.evaluate("sessionStorage.clear()")
        page.goto(server.link())
        answer(page, "Which group best fits your role?", "Supervisor")
        page.get_by_role("button", name="Send my answers").click()
        page.get_by_role("alert").wait_for()
        shot(page, "390-6-nothing-answered")
        page.locator("fieldset.question").nth(1).get_by_role("radio", name="Agree", exact=True).check()
        page.get_by_role("button", name="Send my answers").click()
        page.get_by_role("heading", name="Thank you — your answers were saved.").wait_for()
        shot(page, "390-7-thanks")
        page.goto(server.link("z" * 24))
        shot(page, "390-8-not-found")
        closed = server.store.open_link(COUNTY, "2025-fall")
        server.store.close_link(closed.token)
        page.goto(server.link(closed.token))
        assert "This survey has closed" in page.inner_text("body")
        check_accessibility(page, "survey-closed")
        shot(page, "390-9-closed")
    finally:
        ctx.close()
    assert len(list(SHOTS.glob("390-*.png"))) >= 9
