"""Every page right on every screen: no label or control drawn over another, nothing past the right edge.

Each workbook step is checked for each framework (a ``cpm-orb`` county and a ``cps`` school unit of the
demo) and screen size (a phone, 390×844, and a laptop, 1366×900): loaded once per framework at the
first size, then resized to the second; at each size every tab and accordion is opened in turn and
the layout checked in each state (:mod:`layout`). The HTML packet of
each framework's unit and the statewide index are checked the same way.
"""

from __future__ import annotations

import urllib.parse

import pytest
from conftest import FORM_COUNTY, SHOTS, next_frame, wait_for_notebook, wait_until_drawn
from layout import SIZES, check_layout, layout_problems

from orb_widgets.app import App

STEPS = [
    "01-start-here",
    "02-breakout-session",
    "03-key-messages",
    "04-tailor-assessment",
    "05-take-assessment",
    "06-results",
    "07-planning-matrix",
    "08-testing-profile",
    "09-implementation-plan",
]
#: One unit of each framework in the demo: a county on the CPM pack, a school municipality on CPS.
UNITS = {"cpm-orb": FORM_COUNTY, "cps": "Driftwood Municipality"}


def _settle(page) -> None:
    next_frame(page)


def _open(browser, size: str, url: str):
    context = browser.new_context(viewport=SIZES[size])
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(url)
    return context, page


def _shot(page, name: str) -> None:
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"layout-{name}.png"))


def test_the_demo_has_a_unit_of_each_framework(demo_workspace):

    store = App.for_workspace(demo_workspace).store
    for framework, unit in UNITS.items():
        assert store.county(unit).framework == framework, unit


@pytest.fixture(scope="module")
def opened_pages():
    """A step's page opened for one size, kept for the next case: the same step and framework at the other
    size (the sizes are the innermost parameter, so the two cases run one after the other)."""
    pages: dict = {}
    yield pages
    for context, _ in pages.values():
        context.close()


#: Forget which tabs and accordions were opened, so the check opens every one again at the new size.
_FORGET_OPENED = (
    "() => document.querySelectorAll('[data-orb-opened]').forEach(el => el.removeAttribute('data-orb-opened'))"
)


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("framework", list(UNITS))
@pytest.mark.parametrize("step", STEPS)
def test_workbook_step_lays_out_on_the_screen(browser, workbook_server, opened_pages, step, framework, size):
    """Each step is loaded once per framework: at the first size, then its window is resized to the other
    (as a person turns a tablet or narrows a window) and every tab and accordion is opened again."""
    wait_for_notebook(f"{step}.ipynb")
    if (step, framework) in opened_pages:
        context, page = opened_pages.pop((step, framework))
        page.set_viewport_size(SIZES[size])
        page.evaluate(_FORGET_OPENED)
        next_frame(page)
    else:
        url = workbook_server.page_url(f"{step}.ipynb")
        url += ("&" if "?" in url else "?") + urllib.parse.urlencode({"county": UNITS[framework]})
        context, page = _open(browser, size, url)
        try:
            wait_until_drawn(page)
        except BaseException:
            context.close()
            raise
        opened_pages[step, framework] = context, page
    try:
        check_layout(page, f"step {step} ({UNITS[framework]}, {framework})", size, _settle)
        _shot(page, f"{step}-{framework}-{size.split()[0]}")
    finally:
        if (step, framework) not in opened_pages:
            context.close()


@pytest.fixture(scope="module")
def packets_out(demo_workspace, tmp_path_factory):
    """The HTML packets of the two units and the statewide index, built from the demo."""
    from orb_widgets import packets

    out = tmp_path_factory.mktemp("layout-packets")
    report = packets.run_packets(demo_workspace, counties=list(UNITS.values()), out=out, pdf=False, progress=False)
    assert report.ok, report.summary()
    return out


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("framework", list(UNITS))
def test_html_packet_lays_out_on_the_screen(browser, packets_out, framework, size):
    from orb_widgets.paths import unique_slug

    context, page = _open(browser, size, (packets_out / f"{unique_slug(UNITS[framework])}.html").as_uri())
    try:
        page.wait_for_load_state("load")
        check_layout(page, f"the HTML packet of {UNITS[framework]}", size, _settle, root="main")
        # on a phone each table row is a card naming its columns; every chart has a phone drawing
        if size.startswith("phone"):
            assert page.locator("table.orb-stack td[data-label]").count() > 0
            assert page.locator(".orb-chart-narrow:visible").count() == page.locator(".orb-chart-pair").count() > 0
            assert page.locator(".orb-chart-wide:visible").count() == 0
        _shot(page, f"packet-{framework}-{size.split()[0]}")
    finally:
        context.close()


@pytest.mark.parametrize("size", list(SIZES))
def test_statewide_index_lays_out_on_the_screen(browser, packets_out, size):
    context, page = _open(browser, size, (packets_out / "index.html").as_uri())
    try:
        page.wait_for_load_state("load")
        check_layout(page, "the statewide index", size, _settle, root="main")
        # the Packet and Status columns are on screen, with their names, for every county
        for column in ("Packet", "Status"):
            cells = page.locator(f'td[data-label="{column}"]')
            assert cells.count() == len(UNITS)
            for k in range(cells.count()):
                box = cells.nth(k).bounding_box()
                assert box and box["x"] >= 0 and box["x"] + box["width"] <= SIZES[size]["width"], column
        _shot(page, f"index-{size.split()[0]}")
    finally:
        context.close()


BROKEN = """<main>
<div style="display:flex;height:28px;width:300px">
  <label style="width:80px;white-space:nowrap">Does it start a conversation?</label>
  <select><option>not asked</option></select>
</div>
<div style="width:700px"><button style="margin-left:300px">A button past the edge</button></div>
<div style="overflow-x:auto;width:200px"><table style="white-space:nowrap"><tr><td>A table that scrolls sideways</td>
<td>and runs on and on and on</td></tr></table></div>
<div style="width:100px;position:absolute;overflow:hidden;height:1px;clip:rect(0 0 0 0)">
  <label>Only for screen readers</label></div>
</main>"""


def test_the_check_names_what_is_drawn_over_what_and_what_runs_off(browser):
    """The check itself: on a page made wrong on purpose it names each fault; on a right one, none."""
    context = browser.new_context(viewport=SIZES["phone 390×844"])
    page = context.new_page()
    try:
        page.set_content(BROKEN)
        problems = "\n".join(layout_problems(page, root="main"))
        assert 'label "Does it start a conversation?" overlaps select "not asked"' in problems
        assert 'button "A button past the edge" runs past the right edge' in problems
        assert "scrolls sideways" in problems
        assert "Only for screen readers" not in problems  # clipped away: not on screen
        with pytest.raises(AssertionError, match=r"a made-up page at phone 390×844: \d+ layout problems"):
            check_layout(page, "a made-up page", "phone 390×844", _settle, root="main")
        page.set_content("<main><label for=x>Name</label> <input id=x></main>")
        assert layout_problems(page, root="main") == []
    finally:
        context.close()
