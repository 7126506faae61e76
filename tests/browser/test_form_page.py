"""The respondent form as served by ``orb serve --form``: fill, send, stored, and safe."""
from __future__ import annotations

import time


from conftest import (FORM_COUNTY, KernelChannel, check_accessibility, check_reads_like_a_product,
                      kernel_id)

WAVE = "2026-spring"


def _store(folder):
    from orb_widgets.store import Store

    return Store.open(folder, create=False)


def _open_form(page, served, query: str = ""):
    page.goto(served.page_url() + query)
    page.get_by_role("radiogroup", name="Which group best fits your role?").wait_for()
    return page


def _answers_of_latest(store, county):
    df = store.answers_frame(county)
    latest = df[df["respondent"] == df["respondent"].iloc[-1]]
    return latest


def test_respondent_fills_and_submits(page, form_server, demo_workspace):
    store = _store(demo_workspace)
    before = store.response_count(FORM_COUNTY, WAVE)
    _open_form(page, form_server)
    assert FORM_COUNTY in page.title()
    check_reads_like_a_product(page, "form")
    check_accessibility(page, "form")
    body = page.inner_text("body")
    assert "anonymous" in body
    assert page.get_by_label("Name").count() == 0 and page.get_by_label("E-mail").count() == 0

    page.get_by_role("radiogroup", name="Which group best fits your role?") \
        .get_by_role("radio", name="Supervisor", exact=True).check()
    groups = page.get_by_role("radiogroup")
    total = groups.count() - 1
    for i in range(1, 5):
        groups.nth(i).get_by_role("radio", name="Agree", exact=True).check()
    page.get_by_text(f"4 of {total} answered").wait_for()
    page.get_by_role("textbox").first.fill("More time for <b>training</b> please")
    page.get_by_role("button", name="Send my answers").click()
    page.get_by_role("heading", name="Thank you — your answers were saved.").wait_for()
    check_accessibility(page, "form-thanks")
    check_reads_like_a_product(page, "form-thanks")

    assert store.response_count(FORM_COUNTY, WAVE) == before + 1
    mine = _answers_of_latest(store, FORM_COUNTY)
    assert set(mine["role"]) == {"supervisors"}
    assert sorted(mine["value"].dropna().tolist()) == [4.0] * 4
    assert any("<b>training</b>" in c["text"] for c in store.comments(FORM_COUNTY, WAVE))

    # The next person at this computer starts from an empty form.
    page.get_by_role("button", name="Start a new survey for the next person").click()
    page.get_by_role("button", name="Send my answers").wait_for()
    assert page.locator("input[type=radio]:checked").count() == 0
    assert page.get_by_role("textbox").first.input_value() == ""
    assert "training" not in page.inner_text("body")


def test_form_works_from_the_keyboard_alone(page, form_server, demo_workspace):
    """Tab between questions, Space and arrows to choose, Enter to send: no mouse."""
    store = _store(demo_workspace)
    before = store.response_count(FORM_COUNTY, WAVE)
    _open_form(page, form_server)
    page.locator("body").focus()
    groups_done, sent = 0, False
    for _ in range(200):
        page.keyboard.press("Tab")
        kind = page.evaluate("() => { const e = document.activeElement; return e ? (e.type || e.tagName) : '' }")
        if kind == "radio":
            page.keyboard.press("Space")           # first choice
            for _ in range(3):
                page.keyboard.press("ArrowRight")  # ... moved to the fourth: "Agree" / the 4th role group
            groups_done += 1
        elif kind == "textarea" and groups_done > 3:
            page.keyboard.type("typed with the keyboard")
        elif kind == "submit" or kind == "button":
            label = page.evaluate("() => document.activeElement.textContent")
            if "Send my answers" in label:
                page.keyboard.press("Enter")
                sent = True
                break
    assert sent, "could not reach the Send button with Tab"
    page.get_by_role("heading", name="Thank you — your answers were saved.").wait_for()
    assert store.response_count(FORM_COUNTY, WAVE) == before + 1
    mine = _answers_of_latest(store, FORM_COUNTY)
    assert set(mine["role"]) == {"support_staff"}  # fourth role group
    assert len(mine) == groups_done - 1 and set(mine["value"]) == {4.0}


def test_crafted_widget_values_are_refused(page, form_server, demo_workspace):
    """A client that bypasses the page and sets widget state over the websocket gets nowhere."""
    store = _store(demo_workspace)
    before = store.response_count(FORM_COUNTY)
    _open_form(page, form_server)
    channel = KernelChannel(form_server, kernel_id(page))
    try:
        states = channel.widget_states()
        form_id = next(c for c, s in states.items() if "county" in s)
        radios = {c: s for c, s in states.items() if s.get("_model_name") == "RadioButtonsModel"}
        role_id = next(c for c, s in radios.items() if "orb-choices-role" in s["_dom_classes"])
        item_ids = [c for c, s in radios.items() if "orb-choices-role" not in s["_dom_classes"]]
        send_id = next(c for c, s in states.items() if s.get("description") == "Send my answers")

        # Another county, an unknown role group, an answer off the scale.
        channel.update(form_id, {"county": "Bayside County", "wave": "1999-spring"})
        channel.update(role_id, {"index": 17})
        channel.update(item_ids[0], {"index": 9})
        channel.update(item_ids[1], {"_options_labels": [str(k) for k in range(12)], "index": 11})
        time.sleep(1)
        after = channel.widget_states()
        assert after[form_id]["county"] == FORM_COUNTY and after[form_id]["wave"] == WAVE
        assert after[role_id]["index"] is None
        assert after[item_ids[0]]["index"] is None

        # Sending now is refused (no valid role group): nothing is stored.
        channel.click(send_id)
        page.get_by_role("alert").wait_for()
        assert "role" in page.get_by_role("alert").inner_text()
        assert store.response_count(FORM_COUNTY) == before

        # With a valid role group the tampered item is never stored off the scale.
        channel.update(role_id, {"index": 0})
        channel.update(item_ids[2], {"index": 3})
        time.sleep(0.5)
        channel.click(send_id)
        page.get_by_role("heading", name="Thank you — your answers were saved.").wait_for()
    finally:
        channel.close()
    assert store.response_count(FORM_COUNTY) == before + 1
    values = store.answers_frame(FORM_COUNTY)["value"].dropna()
    assert values.between(1, 5).all()
    assert "Bayside County" not in page.inner_text("body")


def test_code_sent_from_the_browser_is_never_run(page, form_server, tmp_path):
    _open_form(page, form_server)
    target = tmp_path / "written-by-a-browser.txt"
    channel = KernelChannel(form_server, kernel_id(page))
    try:
        # The channel is live: a kernel_info_request is answered ...
        pid = channel.send("kernel_info_request", {})
        assert any(m["header"]["msg_type"] == "kernel_info_reply"
                   for m in channel.replies(pid, until="kernel_info_reply"))
        # ... but code is not, on any channel, nor a request for the notebook's history.
        code = f"open({str(target)!r}, 'w').write('pwned')"
        for channel_name in ("shell", "control"):
            pid = channel.send("execute_request", {"code": code, "silent": False, "store_history": True,
                                                   "user_expressions": {}, "allow_stdin": False,
                                                   "stop_on_error": True}, channel=channel_name)
            assert channel.replies(pid, seconds=2) == []
        pid = channel.send("history_request", {"output": False, "raw": True, "hist_access_type": "tail", "n": 10})
        assert channel.replies(pid, seconds=1) == []
    finally:
        channel.close()
    time.sleep(1)
    assert not target.exists()
    assert "Refused a 'execute_request'" in form_server.log()


def test_address_cannot_switch_county_or_workspace(page, form_server, tmp_path):
    _open_form(page, form_server, "?county=Bayside+County&workspace=" + str(tmp_path) + "&wave=1999")
    body = page.inner_text("body")
    assert FORM_COUNTY in body and "Bayside" not in body
    # Another notebook or a raw file cannot be fetched from the form server.
    for path in ("voila/render/07-planning-matrix.ipynb", "voila/files/05-take-assessment.ipynb",
                 "voila/tree", "api/contents"):
        response = page.request.get(form_server.url + path, max_redirects=0)
        assert response.status in (301, 302, 403, 404, 405), path
        assert "county = None" not in response.text()


def test_idle_kernels_are_culled(form_server):
    from orb_widgets.serve import CULL_IDLE_TIMEOUT, CULL_INTERVAL

    log = form_server.log()
    assert (f"Culling kernels with idle durations > {CULL_IDLE_TIMEOUT} seconds at {CULL_INTERVAL} second "
            f"intervals") in log
    assert "even with connected clients" not in log  # an open page keeps its kernel
