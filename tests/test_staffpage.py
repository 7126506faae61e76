"""The page for staff, "What you told us, and what we will do": the packet's numbers, nothing hidden, no comment."""

import datetime as dt
import html
import re
from html.parser import HTMLParser

import pytest

from orb_widgets import packets, workbook
from orb_widgets.app import App
from orb_widgets.cli import main
from orb_widgets.instrument import tailor
from orb_widgets.staffpage import render_staff_page, staff_pages
from orb_widgets.store import NewResponse

DAY = dt.date(2026, 3, 5)
COUNTY = "Small Office County"
COMMENT = "Our unit manager never answers e-mail"


class _Rows(HTMLParser):
    """Every table row's cell texts."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.rows, self._row, self._cell = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def rows_of(page: str) -> list[list[str]]:
    parser = _Rows()
    parser.feed(page)
    return parser.rows


def text_of(page: str) -> str:
    page = re.sub(r"<style.*?</style>|<title.*?</title>", " ", page, flags=re.S)  # what a reader sees
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture
def small(tmp_path, monkeypatch):
    """A county whose element B only three people answered (hidden: fewer than 5), with comments."""
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    folder = tmp_path / "ws"
    store = App.for_workspace(folder, create=True).store
    inst = tailor("cpm-orb", county=COUNTY, elements=["A", "B", "C"], points=5, min_group=5)
    store.save_instrument(inst)
    a_items = [i.id for i in inst.items if i.element in ("A", "C")]
    b_items = [i.id for i in inst.items if i.element == "B"]
    people = []
    for n in range(12):
        answers = {i: 1 + (n + k) % 5 for k, i in enumerate(a_items)}
        if n < 3:
            answers.update({i: 2 for i in b_items})
        people.append(
            NewResponse(role="social_workers", answers=answers, comments={"A": f"{COMMENT} ({n})"} if n < 4 else None)
        )
    store.add_responses(COUNTY, "2026-spring", people, instrument=inst)
    workbook.save(
        store,
        COUNTY,
        "matrix_row",
        "C",
        {
            "target": "C",
            "steps": [
                {"text": "Name a lead for each unit", "who": "Deputy director", "by_when": "2026-04-16"},
                {"text": "Gave up idea", "status": "dropped"},
                {"text": "Post the roster", "status": "done", "done_on": "2026-03-01"},
            ],
        },
        "Ana",
    )
    workbook.save(store, COUNTY, "matrix_row", "A", {"target": "A", "steps": [{"text": "Explain why"}]}, "Ana")
    return {"store": store, "folder": folder}


def test_the_staff_page_shows_the_packets_numbers_and_nothing_hidden_nor_written(small):
    store = small["store"]
    res = packets.Packet(store, COUNTY)
    assert not res.results.suppressed and not {e.element: e.shown for e in res.results.elements}["B"]
    packet_rows = {r[0]: r for r in rows_of(res.section_html("scores")) if r and r[0][:2] in ("A.", "B.", "C.")}
    page = staff_pages(store, COUNTY, today=DAY)[0]  # English first, then Spanish
    document = render_staff_page(staff_pages(store, COUNTY, today=DAY))
    staff_rows = [r for r in rows_of(document) if r and re.match(r"^[A-F]\. ", r[0])]
    assert staff_rows, document[:500]
    english = staff_rows[: len(page.results)]
    for name, mean, agree in english:
        packet = packet_rows[name]
        assert packet[1] == mean and packet[3] == agree, (name, packet)  # Average and Agree, as the packet writes them
    assert [r[0][:1] for r in english] == ["A", "C"]  # B is hidden in the packet: left out here, name and all
    words = said = text_of(document)
    assert COMMENT not in words and "manager" not in words
    allowed = {c for _, mean, agree in english for c in (mean, agree)} | {"12", "5", "1"}
    for day in re.findall(
        r"(?:January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}, \d{4}"
        r"|\d{1,2} de \w+ de \d{4}",
        words,
    ):
        words = words.replace(day, " ")
    numbers = set(re.findall(r"\d+(?:\.\d+)?%?", words.replace("2026-spring", " ")))
    assert numbers <= allowed, numbers - allowed
    assert "Gave up idea" not in said  # a dropped step is not promised to staff
    assert "Name a lead for each unit" in said and "Who leads it: Deputy director. By April 16, 2026." in said
    assert "12 people answered our survey" in said


def test_the_staff_page_speaks_the_surveys_languages(small):
    pages = staff_pages(small["store"], COUNTY, today=DAY)
    assert [p.language for p in pages] == ["en", "es"]
    document = render_staff_page(pages)
    words = text_of(document)
    assert "What you told us, and what we will do" in words and "Lo que nos dijo y lo que vamos a hacer" in words
    assert "12 personas contestaron nuestra encuesta" in words and "Para el 16 de abril de 2026." in words
    assert "A. El modelo de práctica: si encaja y si es prioridad" in words  # the survey's own names
    assert document.count('class="staff-page"') == 2  # one printed page per language


def test_a_wave_too_small_to_show_has_no_number_on_the_staff_page(tmp_path, monkeypatch):
    monkeypatch.delenv("ORB_DATABASE_URL", raising=False)
    store = App.for_workspace(tmp_path / "ws", create=True).store
    inst = tailor("cps", county="Tiny Municipality", elements=["A", "B"], points=4, min_group=5)
    store.save_instrument(inst)
    store.add_responses(
        "Tiny Municipality",
        "w1",
        [NewResponse(role=inst.roles[0].id, answers={i.id: 3 for i in inst.items}) for _ in range(3)],
        instrument=inst,
    )
    words = text_of(render_staff_page(staff_pages(store, "Tiny Municipality", today=DAY)))
    assert "Too few people answered" in words
    assert set(re.findall(r"\d+(?:\.\d+)?%?", words.replace("March 5, 2026", "").replace("5 mars 2026", ""))) <= {
        "1",
        "5",
    }, words


@pytest.mark.parametrize("suffix", ["html", "pdf"])
def test_orb_plan_staff_page_writes_one_page_per_language(small, capsys, tmp_path, suffix):
    out = tmp_path / f"staff.{suffix}"
    code = main(["plan", "--county", COUNTY, "--staff-page", "--out", str(out), "--workspace", str(small["folder"])])
    assert code == 0 and out.exists() and str(out) in capsys.readouterr().out
    if suffix == "pdf":
        import subprocess

        info = subprocess.run(["pdfinfo", str(out)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"Pages:\s+2\b", info), info  # English and Spanish, a page each
        text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
        assert "What you told us" in text and COMMENT not in text
    else:
        assert "What you told us" in out.read_text("utf-8")


@pytest.mark.parametrize(
    "extra, words",
    [
        (["--staff-page"], "--staff-page needs --out"),
        (["--staff-page", "--out", "page.docx"], "saved as .html or .pdf"),
        (["--staff-page", "--out", "no/such/folder/page.html"], "does not exist"),
    ],
)
def test_staff_page_bad_options_are_one_line_and_exit_2(small, capsys, extra, words, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    code = main(["plan", "--county", COUNTY, *extra, "--workspace", str(small["folder"])])
    out, err = capsys.readouterr()
    assert code == 2 and words in err and err.strip().count("\n") == 0 and out == ""
    assert not list(tmp_path.glob("page*"))
