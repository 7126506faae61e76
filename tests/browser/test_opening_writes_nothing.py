"""Opening a workbook page and touching nothing writes nothing (issue 17), on a laptop and on a phone.

Each step of the workbook is opened in Chromium for a ``cpm-orb`` county and a
``cps`` school unit of a demo workspace served by ``orb serve``. Once its
widgets are drawn and the page has gone quiet, the tab is closed and the
page's kernel is shut down as the server does for a closed page (which saves
any edit still waiting for the autosave). Every table of the workspace's
database must then hold exactly what it held before the page was opened.
"""

from __future__ import annotations

import os
import re
import urllib.error
import urllib.request
from urllib.parse import quote

import pytest
from conftest import KernelChannel, kernel_id
from db_snapshot import changes, table_contents

STEPS = [
    "01-start-here.ipynb",
    "02-breakout-session.ipynb",
    "03-key-messages.ipynb",
    "04-tailor-assessment.ipynb",
    "05-take-assessment.ipynb",
    "06-results.ipynb",
    "07-planning-matrix.ipynb",
    "08-testing-profile.ipynb",
    "09-implementation-plan.ipynb",
]
COUNTIES = {"cpm-orb": "Alder Creek County", "cps": "Driftwood Municipality"}  # demo counties 0 and 3
SCREENS = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}

# True once every output of the page holds something, no widget view is still being drawn,
# and nothing on the page has changed for a second (a drawn view that sends a value back
# changes its own look first, so a quiet page has sent whatever it was going to send).
_DRAWN_AND_QUIET = """() => {
  if (window.__orbQuietSince === undefined) {
    window.__orbQuietSince = performance.now();
    new MutationObserver(() => { window.__orbQuietSince = performance.now(); })
      .observe(document.body, {childList: true, subtree: true, attributes: true, characterData: true});
  }
  const outputs = [...document.querySelectorAll('#rendered_cells .jp-OutputArea-output')];
  const drawn = outputs.length > 0 && outputs.every(o => o.childElementCount > 0);
  return drawn && document.querySelectorAll('.jupyter-widgets').length > 0
      && performance.now() - window.__orbQuietSince > 1000;
}"""


@pytest.fixture(scope="module")
def quiet_server(tmp_path_factory):
    """A demo workspace and a workbook server of its own: no other test's page writes to it meanwhile."""
    from orb_widgets.app import App
    from orb_widgets.demo import make_demo
    from orb_widgets.serve import launch

    os.environ.pop("ORB_DATABASE_URL", None)
    folder = tmp_path_factory.mktemp("quiet-ws")
    store = App.for_workspace(folder, create=True).store
    make_demo(store, counties=4, seed=11, responses=(12, 20))
    served = launch(folder)
    yield served, store
    served.stop()


def _wait_until_handled(served, kid: str) -> None:
    """A kernel_info_request answered on the shell channel: every message the page sent before it was handled."""
    channel = KernelChannel(served, kid)
    try:
        asked = channel.send("kernel_info_request", {})
        channel.ws.settimeout(60)
        while True:
            msg = channel.recv()
            if msg["parent_header"].get("msg_id") == asked and msg["header"]["msg_type"] == "kernel_info_reply":
                return
    finally:
        channel.close()


def _shut_down(served, kid: str) -> None:
    """What the server does to a closed page's kernel; the kernel saves any edit still waiting as it ends."""
    url = f"{served.url}api/kernels/{kid}?token={served.token}"
    with urllib.request.urlopen(urllib.request.Request(url, method="DELETE"), timeout=90) as reply:
        assert reply.status == 204
    with pytest.raises(urllib.error.HTTPError) as gone:
        urllib.request.urlopen(url, timeout=30)
    assert gone.value.code == 404


# The step varies fastest: a step comes back every nine pages, by when the server has a kernel ready
# for it again (one per step, replaced 30 s after it is taken), so no page waits for a kernel to start.
@pytest.mark.parametrize("notebook", STEPS)
@pytest.mark.parametrize("framework", list(COUNTIES))
@pytest.mark.parametrize("screen", list(SCREENS))
def test_opening_a_step_and_touching_nothing_writes_nothing(browser, quiet_server, notebook, framework, screen):
    served, store = quiet_server
    county = COUNTIES[framework]
    before = table_contents(store)
    context = browser.new_context(viewport=SCREENS[screen])
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        page.goto(f"{served.page_url(notebook)}&county={quote(county)}")
        page.locator(".jupyter-widgets").first.wait_for()
        page.wait_for_function(_DRAWN_AND_QUIET, polling=100)
        text = page.inner_text("#rendered_cells")
        assert "could not be shown" not in text, f"{notebook} did not open for {county}"
        if notebook not in ("01-start-here.ipynb", "02-breakout-session.ipynb"):
            assert county in text, f"{notebook} did not open on {county}"
        kid = kernel_id(page)
        _wait_until_handled(served, kid)
    finally:
        context.close()  # the person closes the tab
    # No wait for the autosave's one-second delay: shutting the kernel down saves whatever is still
    # waiting (flush_all at exit), so an edit the page made by itself is in the store by now.
    _shut_down(served, kid)
    assert changes(before, table_contents(store)) == [], (
        f"opening {notebook} for {county} on a {screen} screen wrote to the workspace"
    )


def test_moving_a_competence_slider_saves_it_once_under_the_persons_name(browser, quiet_server):
    """A person's own move still saves: one new version, with their name, one share changed by their step."""
    from playwright.sync_api import expect

    served, store = quiet_server
    county = COUNTIES["cps"]
    history = store.doc_history(county, "plan", "main")
    context = browser.new_context(viewport=SCREENS["laptop"])
    page = context.new_page()
    page.set_default_timeout(90_000)
    try:
        page.goto(f"{served.page_url('09-implementation-plan.ipynb')}&county={quote(county)}")
        page.locator(".jupyter-widgets").first.wait_for()
        page.wait_for_function(_DRAWN_AND_QUIET, polling=100)
        page.get_by_label("Your name").fill("Browser Test")
        handle = page.get_by_role("slider").first
        was = int(float(handle.get_attribute("aria-valuenow")))
        handle.focus()
        handle.press("ArrowRight")
        expect(handle).to_have_attribute("aria-valuenow", re.compile(rf"^{was + 1}(\.0+)?$"))
        expect(page.get_by_text("Saved · by Browser Test").first).to_be_visible(timeout=30_000)
        kid = kernel_id(page)
        _wait_until_handled(served, kid)
    finally:
        context.close()
    _shut_down(served, kid)
    after = store.doc_history(county, "plan", "main")
    assert len(after) == len(history) + 1 and after[-1].updated_by == "Browser Test"
    old, new = history[-1].body, after[-1].body
    moved = [
        (level, which)
        for level in new["competence"]
        for which in ("now", "target")
        if new["competence"][level][which] != old["competence"][level][which]
    ]
    assert len(moved) == 1
    level, which = moved[0]
    assert round(100 * new["competence"][level][which]) == was + 1
    assert {k: v for k, v in new.items() if k != "competence"} == {k: v for k, v in old.items() if k != "competence"}
