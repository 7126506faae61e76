"""Each framework speaks in its own words: a CPS unit is a municipality, never a "county".

The words come from the pack (``words:`` in ``data/<pack>/pack.yaml``); every page,
packet and command-line message takes them from there.
"""

from __future__ import annotations

import html
import re
import shutil

import ipywidgets as w
import pytest

from orb_widgets.app import App
from orb_widgets.content import load_framework

CPS = "Driftwood Municipality"  # demo unit 3: CPS pack
CPM = "Alder Creek County"  # demo unit 0: CPM pack
COUNTY = re.compile(r"\bcount(y|ies)\b", re.IGNORECASE)


def never(delay, callback):
    return None


@pytest.fixture
def ws(shared_demo, tmp_path, monkeypatch):
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    monkeypatch.delenv("ORB_COUNTY", raising=False)
    monkeypatch.setenv("ORB_NAME_FILE", str(tmp_path / "name"))
    shutil.copytree(shared_demo, tmp_path / "ws")
    return App.for_workspace(tmp_path / "ws").store


def _widgets(widget):
    seen, stack = [], [widget]
    while stack:
        x = stack.pop()
        seen.append(x)
        stack.extend(getattr(x, "children", ()))
    return seen


def page_text(page) -> str:
    """Everything a person reads on a page: HTML, labels, descriptions, options, placeholders, tooltips."""
    parts = []
    for x in _widgets(page):
        for attr in ("value", "description", "placeholder", "tooltip", "button_style"):
            v = getattr(x, attr, None)
            if isinstance(v, str) and attr != "button_style":
                parts.append(v)
        for opt in getattr(x, "options", ()) or ():
            parts.append(str(opt[0] if isinstance(opt, tuple) else opt))
        if isinstance(x, w.Accordion | w.Tab):
            parts += [x.get_title(n) or "" for n in range(len(x.children))]
    text = re.sub(r"<style[^>]*>.*?</style>", " ", "\n".join(parts), flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return html.unescape(text)


def every_step(store, unit):
    from orb_widgets.widgets import (
        CountyWebinarView,
        FollowUpBoard,
        ImplementationPlan,
        KeyMessages,
        PlanningMatrix,
        ResultsDashboard,
        TailorAssessment,
        TestingProfile,
        survey_links,
    )
    from orb_widgets.widgets.context import WorkbookContext
    from orb_widgets.widgets.start import start_here

    ctx = WorkbookContext(store, unit, user="Ana Example", remember=False)
    return {
        "01 start": start_here(store.folder, unit),
        # the unit's own part of the coach's series (the coach's page is the series' own, child welfare's)
        "02 breakout": CountyWebinarView(store, unit),
        "03 key messages": KeyMessages(ctx, scheduler=never),
        "04 tailor": TailorAssessment(ctx, scheduler=never),
        "05 survey link": survey_links(ctx, "https://survey.example.gov"),
        "06 results": ResultsDashboard(ctx, charts=False),
        "07 matrix": PlanningMatrix(ctx, scheduler=never),
        "08 profile": TestingProfile(ctx, scheduler=never),
        "09 plan": ImplementationPlan(ctx, scheduler=never),
        "09 follow-up": FollowUpBoard(ctx, scheduler=never),
        "context": ctx,
    }


def county_lines(text: str, name: str) -> list[str]:
    """The lines of ``text`` that say county or counties, outside the names of CPM demo counties."""
    out = []
    for line in text.splitlines():
        bare = re.sub(r"[A-Z][\w ]*? County\b", "", line)  # another unit's proper name, e.g. in a coach's list
        if COUNTY.search(bare):
            out.append(f"{name}: {line.strip()[:160]}")
    return out


def test_each_pack_names_its_unit_team_and_coordinator():
    cpm, cps = load_framework("cpm-orb").words, load_framework("cps").words
    assert (cpm.unit, cpm.unit_plural, cpm.buddy_unit) == ("county", "counties", "buddy county")
    assert cps.unit in {"municipality", "school"} and "county" not in cps.model_dump_json().lower()
    assert cps.units(1) == f"1 {cps.unit}" and cps.units(3) == f"3 {cps.unit_plural}"


def test_cps_demo_units_are_named_as_municipalities(shared_demo):
    from orb_widgets.demo import county_names, framework_of

    names = county_names(8)
    cps = [n for k, n in enumerate(names) if framework_of(k) == "cps"]
    assert cps and all(not COUNTY.search(n) for n in cps)
    assert all(n.endswith("County") for k, n in enumerate(names) if framework_of(k) == "cpm-orb")


def test_cps_pages_never_say_county(ws):
    pages = every_step(ws, CPS)
    texts = {name: page_text(page) for name, page in pages.items()}
    # the workspace line counts what the (mixed) demo workspace holds, each in its own word
    assert "Workspace: ws (3 counties, 1 municipality)." in re.sub(r"\s+", " ", texts["01 start"])
    texts["01 start"] = re.sub(r"Workspace:.*?\)\.", "", texts["01 start"], flags=re.S)
    found = [line for name, text in texts.items() for line in county_lines(text, name)]
    assert found == []


def test_cpm_pages_still_say_county(ws):
    pages = every_step(ws, CPM)
    assert "county" in page_text(pages["01 start"]).lower()


def test_cps_packet_never_says_county(shared_demo, tmp_path):
    from orb_widgets import packets
    from orb_widgets.paths import unique_slug

    out = tmp_path / "packets"
    report = packets.run_packets(shared_demo, out=out, counties=[CPS], pdf=False, progress=False)
    assert report.ok, report.summary()
    page = (out / f"{unique_slug(CPS)}.html").read_text("utf-8")
    text = html.unescape(re.sub(r"<[^>]+>", "\n", re.sub(r"<(style|script)[^>]*>.*?</\1>", "", page, flags=re.S)))
    assert county_lines(text, "packet") == []
    assert "municipality" in text.lower()


@pytest.mark.parametrize("argv", [["score"], ["plan"], ["instrument", "show"]], ids=" ".join)
def test_unit_is_a_synonym_of_county_on_the_command_line_and_cps_output_says_no_county(shared_demo, capsys, argv):
    from orb_widgets.cli import main

    assert main([*argv, "--unit", CPS, "--workspace", str(shared_demo)]) == 0
    by_unit = capsys.readouterr().out
    assert main([*argv, "--county", CPS, "--workspace", str(shared_demo)]) == 0
    assert capsys.readouterr().out == by_unit
    assert CPS in by_unit and county_lines(by_unit, " ".join(argv)) == []


# ------------------------------------------------------------------ the served home page
def _home_page_text(served) -> str:
    import urllib.request

    with urllib.request.urlopen(served.page_url(), timeout=60) as r:  # "/" is the home page
        assert r.status == 200
        page = r.read().decode("utf-8")
    assert 'class="orb-home"' in page
    page = re.sub(r"<(style|script)[^>]*>.*?</\1>", "", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.mark.slow  # serves pages with voila
def test_a_cps_workspaces_served_home_page_speaks_of_its_municipality(tmp_path, monkeypatch):
    from orb_widgets import serve
    from orb_widgets.instrument import tailor

    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    store = App.for_workspace(tmp_path / "ws", create=True).store
    store.save_instrument(tailor(load_framework("cps"), county=CPS, points=4, min_group=5))
    with serve.launch(tmp_path / "ws", pool=0) as served:
        text = _home_page_text(served)
    assert "Pick your municipality and see where your team is." in text
    assert "Your CPS steering group's workbook, step by step." in text
    assert "9. Implementation plan" in text  # every step is listed
    assert not COUNTY.search(text), text


@pytest.mark.slow  # serves pages with voila
def test_the_home_page_served_for_one_unit_speaks_its_frameworks_words(shared_demo, tmp_path, monkeypatch):
    from orb_widgets import serve

    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    shutil.copytree(shared_demo, tmp_path / "ws")
    with serve.launch(tmp_path / "ws", county=CPS, pool=0) as served:
        text = _home_page_text(served)
    assert "Pick your municipality" in text and "breakout rooms that mix municipalities" in text
    assert not COUNTY.search(text), text
    # the same page for a county of the same (mixed) workspace, and for the whole workspace
    store = App.for_workspace(tmp_path / "ws").store
    cpm = serve.home_page_config(store, CPM)
    assert cpm["team"] == "county team" and cpm["steps"]["01-start-here.ipynb"]["what"].startswith("Pick your county ")
    both = serve.home_page_config(store)
    assert (
        both["team"] == "team" and "Pick your county or municipality " in both["steps"]["01-start-here.ipynb"]["what"]
    )


def test_the_hub_speaks_to_a_municipality_team_of_its_municipality(tmp_path, monkeypatch):
    """A CPS team's hub: the home page's packet link and the packet page say "municipality"."""
    import datetime as dt

    from markupsafe import Markup

    from orb_widgets.hub import packet_build
    from orb_widgets.hub.packet_page import STATES, _env
    from orb_widgets.hub.singleuser import server_config
    from orb_widgets.instrument import tailor
    from orb_widgets.progress import workspace_words
    from orb_widgets.settings import Settings

    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    store = App.for_workspace(tmp_path / "ws", create=True).store
    store.save_instrument(tailor(load_framework("cps"), county=CPS, points=4, min_group=5))
    for locked, packets in ((True, "Your municipality's packet"), (False, "Municipality packets")):
        settings = Settings(workspace=tmp_path / "ws", county=CPS if locked else None, locked=locked, user="ana")
        hub = server_config(settings)["VoilaConfiguration"]["extension_config"]["orb"]
        assert hub["packets"] == packets and "municipality" in hub["packets_what"]
        assert not COUNTY.search(" ".join(str(v) for k, v in hub.items() if k in ("packets", "packets_what", "county")))
        words = workspace_words(store, CPS if locked else "")
        page = (
            _env()
            .get_template("packets.html.j2")
            .render(
                coordinator=not locked,
                county=CPS,
                words=words,
                who="ana",
                logout="/hub/logout",
                rows=[packet_build.CountyPacket(county=CPS, state="none", built=dt.datetime.now().isoformat())],
                states=STATES,
                build=packet_build.Build(state="done", summary="1 built"),
                base="/user/ana/orb/packets/",
                home="/user/ana/voila/tree",
                xsrf=Markup(""),
                refresh=0,
                notice="",
                index=True,
                css=Markup(""),
            )
        )
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())
        assert packets in text and not COUNTY.search(text), text


def test_the_guidance_on_every_units_step_speaks_to_a_municipality_as_well_as_a_county():
    """The notebooks' guidance is the same for every framework: it names no county alone (step 2 is the coach's
    statewide webinar series, which is about counties)."""
    import json

    from orb_widgets.serve import notebooks_dir

    both = re.compile(r"\bcounty(, municipality)? or (municipality|survey)\b|\banother county or municipality\b")
    found = []
    for path in sorted(notebooks_dir().glob("0*.ipynb")):
        if path.name.startswith("02-"):
            continue
        cells = json.loads(path.read_text("utf-8"))["cells"]
        text = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        found += county_lines(both.sub("", text), path.name)
    assert found == []
