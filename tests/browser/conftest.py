"""Browser tests: real voila servers on 127.0.0.1, driven by Debian's headless Chromium.

Every test here is marked ``browser``. They never skip: if Chromium or
Playwright is missing they fail with a message saying how to install it
(CI installs ``chromium`` with apt; no browser is ever downloaded).
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from kernel_client import KernelChannel  # noqa: F401  (re-exported for the tests)

CHROMIUM = os.environ.get("ORB_CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
LAPTOP = {"width": 1366, "height": 768}
FORM_COUNTY = "Alder Creek County"
SHOTS = Path(os.environ.get("ORB_SCREENSHOTS", "")) if os.environ.get("ORB_SCREENSHOTS") else None
#: ORB_DOC_SCREENSHOTS=1: the key pages are saved where the documentation shows them.
DOC_SHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "_static" / "screenshots"
    if os.environ.get("ORB_DOC_SCREENSHOTS") == "1"
    else None
)


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def _chromium_path() -> str:
    path = CHROMIUM if os.path.isabs(CHROMIUM) else shutil.which(CHROMIUM)
    if not path or not os.path.exists(path):
        pytest.fail(
            f"Chromium not found at {CHROMIUM!r}: install it (Debian/Ubuntu: apt-get install chromium) "
            f"or point ORB_CHROMIUM at it. Browser tests never download a browser.",
            pytrace=False,
        )
    return path


# Module scope: Playwright's sync API keeps an asyncio loop running on the main
# thread while it is open, which would change how later, non-browser tests run.
@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright for Python is missing: pip install -e '.[test]'", pytrace=False)
    path = _chromium_path()
    from playwright.sync_api import expect

    expect.set_options(timeout=30_000)  # as long as the pages' own waits (its default, 5 s, is a busy machine's blink)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=FLAGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=LAPTOP)
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    yield pg
    context.close()


@pytest.fixture(scope="session")
def demo_workspace(tmp_path_factory, copy_demo):
    """A copy of the session's demo workspace, shared by the browser tests (which save into it)."""
    os.environ.pop("ORB_DATABASE_URL", None)
    return copy_demo(tmp_path_factory.mktemp("browser-ws") / "ws")


@pytest.fixture(scope="session")
def workbook_server(demo_workspace):
    from orb_widgets.serve import launch

    served = launch(demo_workspace, county=FORM_COUNTY)
    yield served
    served.stop()


def wait_for_notebook(name: str) -> Path:
    """The served notebook (fails clearly if it is missing)."""
    from orb_widgets.serve import notebooks_dir

    path = notebooks_dir() / name
    if not path.exists():
        pytest.fail(f"notebooks/{name} does not exist", pytrace=False)
    return path


def wait_until_drawn(page) -> None:
    """Wait until a served page has run and drawn: voila's "Running…" gone, its widgets on screen,
    nothing left to fetch, the title set from the page's heading, and orb.js's pass over the last
    change done (it runs on the next animation frame)."""
    from playwright.sync_api import expect

    page.locator("#loading").wait_for(state="detached", timeout=90_000)
    page.locator(".jupyter-widgets").first.wait_for(timeout=90_000)
    page.wait_for_load_state("networkidle")
    expect(page).not_to_have_title(re.compile(r"\.ipynb|^\d\d-"))
    next_frame(page)


def next_frame(page) -> None:
    """Two animation frames: whatever orb.js scheduled for the changes so far has run."""
    page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")


def check_accessibility(page, name: str) -> None:
    """axe-core on the page as served: no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} — e.g. {v['nodes'][0]['target']} {v['nodes'][0]['html'][:160]}"
        for v in bad
    )
    assert not bad, f"accessibility problems on {name}:\n{report}"


def check_reads_like_a_product(page, name: str) -> None:
    """No code, prompts or tracebacks on a served page; a proper title."""
    text = page.inner_text("body")
    for bad in (
        "Traceback",
        "Out[",
        "In [",
        "import ",
        "def ",
        "Error executing",
        "KeyError",
        "There was an error when executing",
    ):
        assert bad not in text, f"{name} shows {bad!r}"
    assert page.locator(".jp-CodeCell .jp-InputArea:visible, .jp-InputArea-editor:visible").count() == 0
    assert not re.search(r"\.ipynb|^\d\d-", page.title()), f"{name} has a file name as title: {page.title()}"
    # Plain words: "2 activities", not "2 activit(ies)"; a survey "wave" everywhere; no heading said twice.
    assert not re.search(r"\w\((s|es|ies)\)", text), f"{name} writes a plural as '(s)'"
    assert not re.search(r"\bsurvey rounds?\b", text, re.I), f"{name} says 'survey round' where the rest says 'wave'"
    headings = [h.strip() for h in page.locator("h1, h2").all_inner_texts() if h.strip()]
    assert len(headings) == len(set(headings)), f"{name} repeats a heading: {headings}"
    if SHOTS:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}.png"))


def doc_screenshot(target, name: str, **options) -> None:
    """Save a page (or one part of it) as docs/_static/screenshots/NAME.png, when ORB_DOC_SCREENSHOTS=1.

    The guides show these images, so the pictures a reader sees are the pages as the tests left them."""
    if DOC_SHOTS is None:
        return
    DOC_SHOTS.mkdir(parents=True, exist_ok=True)
    target.screenshot(path=str(DOC_SHOTS / f"{name}.png"), **options)


def kernel_id(page) -> str:
    config = json.loads(page.locator("#jupyter-config-data").first.text_content())
    return config["kernelId"]
