"""Packets: one fresh process per county, self-contained HTML + PDF, incremental, isolated."""

import datetime as dt
import html
import json
import os
import re
import shutil
import subprocess

import pytest

from orb_widgets import packets, workbook
from orb_widgets.app import App
from orb_widgets.cache import CHARTS
from orb_widgets.cli import main
from orb_widgets.demo import make_demo
from orb_widgets.instrument import tailor
from orb_widgets.paths import unique_slug
from orb_widgets.store import NewResponse

EVIL = '../Evil "County"/..'
TINY = "Tiny County"


def _add_county(store, name, people):
    inst = tailor("cpm-orb", county=name, elements=["A", "B"], points=5, min_group=5)
    store.save_instrument(inst)
    roles = [r.id for r in inst.roles]
    batch = [
        NewResponse(
            role=roles[k % len(roles)],
            answers={i.id: 2 + (k % 3) for i in inst.items},
            comments={"A": "<script>alert('x')</script> & more"} if k == 0 else None,
        )
        for k in range(people)
    ]
    store.add_responses(name, "2026-spring", batch, instrument=inst, source="test")


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    os.environ.pop("ORB_DATABASE_URL", None)
    folder = tmp_path_factory.mktemp("packets-ws")
    store = App.for_workspace(folder, create=True).store
    names = make_demo(store, counties=3, seed=11)
    _add_county(store, EVIL, 12)  # a hostile name; enough answers to score
    _add_county(store, TINY, 3)  # fewer than the minimum group: everything suppressed
    return {"folder": folder, "store": store, "demo": names, "all": [*names, EVIL, TINY]}


@pytest.fixture(scope="module")
def run(ws, tmp_path_factory):
    out = tmp_path_factory.mktemp("out") / "packets"
    report = packets.run_packets(ws["folder"], out=out, pdf=True, progress=False)
    return {"out": out, "report": report}


def page(out, county):
    return (out / f"{unique_slug(county)}.html").read_text("utf-8")


def text_of(html):
    """The words a reader sees: no markup, no image data, no style sheet."""
    html = re.sub(r"<style[^>]*>.*?</style>", "", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r'src="data:[^"]+"', "", html)))


def test_one_packet_per_county_named_by_slug(ws, run):
    out, report = run["out"], run["report"]
    assert report.ok, report.summary()
    assert sorted(r.county for r in report.results) == sorted(ws["all"])
    for name in ws["all"]:
        assert (out / f"{unique_slug(name)}.html").is_file()
        assert (out / f"{unique_slug(name)}.pdf").is_file()
    assert (out / "index.html").is_file() and (out / "manifest.json").is_file()


def test_packet_holds_only_its_own_county(ws, run):
    store = ws["store"]
    for name in ws["demo"]:
        html = page(run["out"], name)
        body = text_of(html)
        assert name in body
        profile = workbook.load(store, name, "testing_profile", "main")
        buddy = profile.buddy_county if profile else None  # the county's own note of its buddy county
        for other in ws["demo"]:
            if other not in (name, buddy):
                assert other not in html
        # the headline numbers are this county's, not another's
        from orb_widgets.results import county_results

        mine = county_results(store, name)
        assert f"{mine.elements[0].mean:.2f}" in body


def test_packet_has_every_section_and_no_code(ws, run):
    html = page(run["out"], ws["demo"][0])
    for title in packets.SECTIONS.values():
        if title != "Cover":
            assert html.count(title.replace("'", "&#x27;").replace("&", "&amp;")) >= 1, title
    assert "Demo data: synthetic, fictional" in html
    assert "packet.show" not in html and "Packet.load" not in html and "import" not in text_of(html)
    assert 'class="jp-InputArea' not in html and "In&nbsp;[" not in html and "Out[" not in html
    assert 'class="jp-InputPrompt' not in html and 'class="jp-OutputPrompt' not in html
    assert "No description has been provided" not in html and 'alt="Chart: ' in html


def test_packet_is_self_contained(ws, run):
    for name in ws["all"]:
        html = page(run["out"], name)
        assert not re.search(r"<script[^>]*src", html, re.I)
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", html, re.I)
        assert "require.js" not in html and "mathjax" not in html.lower()
        assert "@media print" in html and "@page" in html
        if name in ws["demo"]:
            assert 'src="data:image/svg+xml;base64,' in html


def test_free_text_is_escaped(ws, run):
    html = page(run["out"], EVIL)
    assert "<script>alert" not in html
    assert re.search(r"&lt;script&gt;alert\((&#x27;|&#39;|')x(&#x27;|&#39;|')\)&lt;/script&gt; &amp; more", html)
    assert re.search(r"Evil (&quot;|\")County(&quot;|\")", html)


def test_sections_without_data_say_so(ws, run):
    html = page(run["out"], EVIL)  # no workbook entries at all
    for sentence in [
        "has taken part in a breakout yet",
        "No key messages have been drafted yet",
        "The testing profile has not been filled in yet",
        "The implementation plan has not been",
        "No follow-up review has been held yet",
        "first survey wave",
    ]:
        assert sentence in html
    assert "Demo data" in html  # the whole workspace is a demo


def test_suppressed_county_shows_no_numbers(ws, run):
    html = page(run["out"], TINY)
    body = text_of(html)
    assert "Fewer than 5 people answered" in body
    assert "<table" not in html.split('id="scores"')[1].split('id="roles"')[0]
    index = (run["out"] / "index.html").read_text("utf-8")
    row = re.search(r"<tr><th scope=\"row\">Tiny County</th>(.*?)</tr>", index, re.S).group(1)
    assert "hidden" in row and not re.search(r"\d", row)
    packets_row = re.search(r"<th scope=\"row\">Tiny County</th>(.*?)</tr>", index, re.S).group(1)
    assert "too few to show" in packets_row


def test_suppressed_role_groups_are_hidden(ws, run):
    store = ws["store"]
    from orb_widgets.results import county_results

    for name in ws["demo"]:
        res = county_results(store, name)
        if any(b.suppressed for b in res.by_role):
            pk = packets.Packet(store, name)
            section = pk.section_html("roles")
            assert "hidden" in section
            break
    else:
        pytest.fail("the demo should have at least one suppressed role group")


def test_pdf_opens_and_names_the_county(ws, run):
    if not shutil.which("pdftotext"):
        pytest.fail(
            "pdftotext is missing: install poppler-utils (python3 dev.py test installs it on Debian)", pytrace=False
        )
    name = ws["demo"][1]
    pdf = run["out"] / f"{unique_slug(name)}.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert name in text and "Readiness at a glance" in text
    assert ws["demo"][0] not in text


def _pdf_pages(pdf) -> list[list[str]]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [[line.strip() for line in pg.splitlines()] for pg in text.split("\f")]


def test_html_contents_links_go_to_each_section(ws, run):
    html = page(run["out"], ws["demo"][0])
    toc = re.search(r'<div class="orb-toc">(.*?)</div>', html, re.S).group(1)
    links = re.findall(r'<a href="#([^"]+)">([^<]+)</a>', toc)
    assert [t for _, t in links] == [t.replace("&", "&amp;") for k, t in packets.SECTIONS.items() if k != "cover"]
    for target, _ in links:
        assert len(re.findall(rf'\sid="{re.escape(target)}"', html)) == 1, target


def test_pdf_contents_give_the_page_each_section_starts_on(ws, run):
    for name in ws["demo"]:
        pages = _pdf_pages(run["out"] / f"{unique_slug(name)}.pdf")
        entries = [m.groups() for line in pages[0] if (m := re.match(r"^\d+\.\s+(.+?)\s{2,}(\d+)$", line))]
        assert [t for t, _ in entries] == [t for k, t in packets.SECTIONS.items() if k != "cover"], name
        for title, number in entries:
            starts = [i + 1 for i, lines in enumerate(pages) if i > 0 and title in lines]
            assert starts and starts[0] == int(number), f"{name}: {title} listed on page {number}, starts {starts}"


def test_charts_are_vector_with_their_alt_text(ws, run):
    import base64
    from xml.etree import ElementTree

    name = ws["demo"][0]
    html = page(run["out"], name)
    assert "data:image/png" not in html
    imgs = []  # (alt, the SVG's base64) of each picture, whatever the order of its attributes
    for tag in re.findall(r"<img\b[^>]*>", html):
        alt, src = re.search(r'\balt="([^"]*)"', tag), re.search(r'\bsrc="data:image/svg\+xml;base64,([^"]+)"', tag)
        assert alt and src, tag[:200]
        imgs.append((alt.group(1), src.group(1)))
    assert len(imgs) >= 4  # elements, components, roles, change (and key messages)
    for alt, data in imgs:
        assert alt.strip() and alt != "Chart"
        svg = base64.b64decode(data).decode("utf-8")
        assert "<svg" in svg and "<script" not in svg.lower() and not re.search(r"\son\w+=", svg)
        ElementTree.fromstring(svg)  # well-formed, or a browser shows a broken image
    packets.check_self_contained(html)
    # in the PDF they are drawings, not pictures: no raster image is left in the packet
    listing = subprocess.run(
        ["pdfimages", "-list", str(run["out"] / f"{unique_slug(name)}.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert len(listing.strip().splitlines()) == 2, listing  # the two header lines, no image rows


def test_hostile_name_gives_safe_file_inside_out(ws, run):
    out = run["out"].resolve()
    files = {p.name for p in out.iterdir()}
    slug = unique_slug(EVIL)
    assert f"{slug}.html" in files and "/" not in slug and ".." not in slug and '"' not in slug
    assert all(p.resolve().parent == out for p in out.iterdir())
    assert not (out.parent / "Evil").exists()


def test_index_lists_and_links_every_packet(ws, run):
    index = (run["out"] / "index.html").read_text("utf-8")
    for name in ws["all"]:
        assert f'href="{unique_slug(name)}.html"' in index
        assert f'href="{unique_slug(name)}.pdf"' in index
    assert "Last run" in index and "packets ready" in index
    assert "<img" not in index  # the heatmap is drawn inline, as SVG
    assert re.search(r'<figure class="heatmap" role="img" aria-label="[^"]+"><svg ', index)
    assert not re.search(r"<script", index, re.I)
    assert "Evil &#34;County&#34;" in index or "Evil &quot;County&quot;" in index


def test_second_run_skips_and_a_change_reruns_only_that_county(ws, run, monkeypatch):
    out = run["out"]
    again = packets.run_packets(ws["folder"], out=out, pdf=True, progress=False)
    assert {r.status for r in again.results} == {"skipped"}
    changed = ws["demo"][2]
    later = (dt.date.today() + dt.timedelta(days=3)).isoformat()  # after the demo's own review
    workbook.save(
        ws["store"],
        changed,
        "followup",
        later,
        workbook.FollowUp(date=later, keep=["Weekly huddles"], improve=[], start=[], stop=[]),
        "tester",
    )
    warm_ups = []
    monkeypatch.setattr(packets.runner, "warm_up", lambda **kw: warm_ups.append(kw))
    third = packets.run_packets(ws["folder"], out=out, pdf=True, progress=False)
    built = [r.county for r in third.results if r.status == "ok"]
    assert built == [changed]
    assert warm_ups == []  # one county to build: no preview packet built first (it would double the work)
    assert "Weekly huddles" in page(out, changed)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["packets"][changed]["status"] == "ok"


def test_a_second_run_in_one_process_builds_no_preview_again(ws, tmp_path, monkeypatch):
    """A kernel, the hub's server or a session that builds packets twice pays the first-use costs once."""
    monkeypatch.setattr(packets.runner, "_WARMED", set())  # a process that has built no packet yet
    previews = []
    real = packets.runner.build_packet

    def counted(task):
        previews.append(task.slug)
        return real(task)

    monkeypatch.setattr(packets.runner, "build_packet", counted)  # the parent builds only the preview
    two = ws["demo"][:2]
    one_child = {"pdf": False, "progress": False, "workers": 1}  # two counties in turn: the warm-up pays
    first = packets.run_packets(ws["folder"], counties=two, out=tmp_path / "a", **one_child)
    assert first.ok and previews == ["warm-up"]
    second = packets.run_packets(ws["folder"], counties=two, out=tmp_path / "b", **one_child)
    assert second.ok and sorted(r.county for r in second.results if r.status == "ok") == sorted(two)
    assert previews == ["warm-up"]  # not again
    packets.run_packets(ws["folder"], counties=two, out=tmp_path / "c", **{**one_child, "pdf": True})
    assert previews == ["warm-up", "warm-up"]  # the PDF's first use had not been paid yet


def test_a_run_with_a_core_for_each_county_builds_no_preview(ws, tmp_path, monkeypatch):
    """Two counties on two cores: each child pays its first-use costs beside the other, so a preview
    packet first would only add its own build; three counties on two cores warm up first."""
    monkeypatch.setattr(packets.runner, "_WARMED", set())
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    previews = []
    real = packets.runner.build_packet
    monkeypatch.setattr(packets.runner, "build_packet", lambda task: previews.append(task.slug) or real(task))
    two = packets.run_packets(ws["folder"], counties=ws["demo"][:2], out=tmp_path / "a", pdf=False, progress=False)
    assert two.ok and sorted(r.county for r in two.results if r.status == "ok") == sorted(ws["demo"][:2])
    assert previews == []
    three = packets.run_packets(ws["folder"], counties=ws["demo"][:3], out=tmp_path / "b", pdf=False, progress=False)
    assert three.ok and previews == ["warm-up"]


def test_failing_county_is_isolated_and_named(ws, tmp_path, monkeypatch):
    victim = ws["demo"][0]
    original = packets.Packet._roles

    def broken(self):
        if self.county == victim:
            raise RuntimeError("chart data went missing")
        return original(self)

    monkeypatch.setattr(packets.Packet, "_roles", broken)  # forked children inherit it
    report = packets.run_packets(ws["folder"], counties=ws["demo"][:2], out=tmp_path, pdf=False, progress=False)
    assert not report.ok
    (failed,) = report.failed
    assert failed.county == victim
    assert "chart data went missing" in failed.error
    assert 'packet.show("roles")' in failed.cell
    summary = report.summary()
    assert f"FAILED {victim}" in summary and "roles" in summary
    assert (tmp_path / f"{unique_slug(ws['demo'][1])}.html").is_file()
    assert not (tmp_path / f"{unique_slug(victim)}.html").exists()
    index = (tmp_path / "index.html").read_text("utf-8")
    assert "failed" in index and "chart data went missing" in index


def test_cli_exit_codes(ws, run, tmp_path, monkeypatch, capsys):
    folder = str(ws["folder"])
    assert main(["packets", "--workspace", folder]) == 2  # neither --all nor --county
    assert main(["packets", "--workspace", folder, "--county", "Nowhere County"]) == 2
    assert main(["packets", "--workspace", str(tmp_path / "none"), "--all"]) == 2
    assert main(["packets", "--workspace", folder, "--all", "--wave", "1999-fall", "--out", str(tmp_path)]) == 2
    assert (
        main(["packets", "--workspace", folder, "--county", ws["demo"][1], "--out", str(run["out"]), "--quiet"]) == 0
    )  # unchanged: skipped, ok
    original = packets.Packet._glance
    monkeypatch.setattr(
        packets.Packet, "_glance", lambda self: 1 / 0 if self.county == ws["demo"][1] else original(self)
    )
    assert (
        main(
            [
                "packets",
                "--workspace",
                folder,
                "--county",
                ws["demo"][1],
                "--out",
                str(tmp_path / "o"),
                "--no-pdf",
                "--quiet",
            ]
        )
        == 1
    )
    err = capsys.readouterr()
    assert "FAILED" in err.out and "ZeroDivisionError" in err.out


def test_out_must_be_a_folder(ws, tmp_path):
    f = tmp_path / "file.txt"
    f.write_text("x")
    with pytest.raises(packets.PacketError):
        packets.run_packets(ws["folder"], out=f, progress=False)


@pytest.mark.slow  # a dask cluster of two worker processes
def test_dask_route_gives_the_same_packets(ws, run, tmp_path):
    import distributed

    counties = ws["demo"][:2]
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        report = packets.run_packets(
            ws["folder"],
            counties=counties,
            out=tmp_path,
            pdf=False,
            progress=False,
            scheduler=cluster.scheduler_address,
        )
    assert report.ok, report.summary()
    for name in counties:
        assert page(tmp_path, name) == page(run["out"], name)


def test_notebook_is_thin_and_stored_without_outputs():
    import nbformat

    nb = nbformat.read(packets.NOTEBOOK, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c for c in code if "parameters" in c.metadata.get("tags", [])]
    for c in code:
        assert not c.get("outputs") and c.get("execution_count") is None
        assert not re.search(r"^\s*(def|class|lambda)\b", c.source, re.M)


def test_preview_packet_without_county():
    pk = packets.Packet.load()
    assert "Demo data: synthetic, fictional" in pk.section_html("cover")
    assert pk.county == pk.results.county == "Alder Creek County" and not pk.results.suppressed


def test_inprocess_engine_injects_parameters_and_records_outputs():
    import nbformat
    import papermill
    from papermill.exceptions import PapermillExecutionError

    packets.register_engine()
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell("from IPython.display import HTML, display\ndisplay(HTML('<b>hi</b>'))\nx + 41"),
        ]
    )
    out = papermill.execute_notebook(
        nb,
        None,
        parameters={"x": 2},
        engine_name=packets.ENGINE,
        kernel_name="python3",
        language="python",
        progress_bar=False,
    )
    outputs = out.cells[-1].outputs
    assert outputs[0]["output_type"] == "display_data" and outputs[0]["data"]["text/html"] == "<b>hi</b>"
    assert outputs[1]["output_type"] == "execute_result" and outputs[1]["data"]["text/plain"] == "43"
    assert "injected-parameters" in out.cells[1].metadata.tags
    # a fresh namespace per notebook: x from the run before is gone
    bad = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("y = 1"),
            nbformat.v4.new_code_cell("x"),
            nbformat.v4.new_code_cell("never = True"),
        ]
    )
    with pytest.raises(PapermillExecutionError) as err:
        papermill.execute_notebook(
            bad, None, engine_name=packets.ENGINE, kernel_name="python3", language="python", progress_bar=False
        )
    assert err.value.ename == "NameError" and err.value.exec_count == 2


def test_engine_is_registered_through_papermills_entry_point():
    import importlib
    import tomllib
    from pathlib import Path

    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["project"]
    target = project["entry-points"]["papermill.engine"][packets.ENGINE]
    module, _, name = target.partition(":")
    assert getattr(importlib.import_module(module), name) is packets.InProcessEngine


def test_children_get_the_database_in_their_task_not_the_environment(ws, tmp_path, monkeypatch):
    """The runner resolves the database once; a child opens exactly that one whatever its environment says."""
    monkeypatch.setenv("ORB_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/nowhere")  # would fail if read
    from orb_widgets.settings import Settings

    report = packets.run_packets(
        ws["folder"],
        counties=ws["demo"][:1],
        out=tmp_path,
        pdf=False,
        progress=False,
        workers=1,
        settings=Settings(workspace=ws["folder"]),
    )
    assert report.ok, report.summary()
    assert ws["demo"][0] in page(tmp_path, ws["demo"][0])


def _used_height(pdf, dpi=30) -> list[float]:
    """For each page, how far down its printed area (inside the page margins) something is drawn, 0 to 1."""
    from PIL import Image

    out = []
    with __import__("tempfile").TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", str(pdf), f"{tmp}/p"], check=True)
        for png in sorted(__import__("pathlib").Path(tmp).glob("p*.pgm")):
            img = Image.open(png).convert("L")
            width, height = img.size
            top, bottom = int(0.7 * dpi), height - int(0.8 * dpi)  # the @page margins; the footer is below
            px = img.load()
            inked = [y for y in range(top, bottom) if any(px[x, y] < 200 for x in range(width))]
            out.append((inked[-1] - top) / (bottom - top) if inked else 0.0)
    return out


def test_no_printed_page_is_less_than_half_used_but_the_last(ws, run):
    for name in ws["all"]:
        used = _used_height(run["out"] / f"{unique_slug(name)}.pdf")
        assert len(used) >= 2, name
        short = [(n + 1, round(u, 2)) for n, u in enumerate(used[:-1]) if u < 0.5]
        assert not short, f"{name}: pages less than half used: {short}"


def test_the_frameworks_full_name_comes_before_its_initials(ws, tmp_path):
    """To a California child-welfare reader "CPS" means Child Protective Services: spell it out first."""
    import html

    store = App.for_workspace(tmp_path, create=True).store
    inst = tailor("cps", county="School District", points=4, min_group=5)
    store.save_instrument(inst)
    store.add_responses(
        "School District",
        "2026-spring",
        [
            NewResponse(role=inst.roles[k % len(inst.roles)].id, answers={i.id: 1 + k % 4 for i in inst.items})
            for k in range(12)
        ],
        instrument=inst,
        source="test",
    )
    full = {"CPS": "Collaborative & Proactive Solutions (CPS)", "CPM": "Core Practice Model (CPM)"}
    seen = set()
    for pk in [packets.Packet(store, "School District"), *(packets.Packet(ws["store"], n) for n in ws["demo"])]:
        text = html.unescape(" ".join(text_of("".join(pk.section_html(s) for s in packets.SECTIONS)).split()))
        for short, long in full.items():
            first = re.search(rf"\b{short}\b", text)
            if first:
                seen.add(short)
                assert text[: first.end() + 1].rstrip().endswith(long), (
                    f"{pk.county}: '{short}' before '{long}': …{text[max(0, first.start() - 80) : first.end()]}"
                )
    assert "CPS" in seen


def test_key_messages_show_every_version_and_rate_on_the_one_to_five_scale(ws):
    pk = packets.Packet(ws["store"], ws["demo"][0])
    messages = pk.entries["key_message"]
    assert messages, "the demo county has key messages"
    section = pk.section_html("messages")
    for m in messages.values():
        for v in m.versions:
            assert v.text in html.unescape(section)
    assert "1 (not at all) to 5 (very much)" in section
    assert re.search(r'alt="Chart: Average rating by version and audience on a scale of 1 \(not at all\) to 5', section)


def html_text(text):
    import html

    return html.escape(text, quote=True)


def test_packet_sections_write_no_html_in_python():
    """Section markup lives in templates/partials (autoescaped); the packet modules only pass view models."""
    from pathlib import Path

    tag = re.compile(
        r"""["'][^"'\n]*(?<!`)"""
        r"<(h\d|p|div|table|tr|td|th|ul|ol|li|dl|dt|dd|section|blockquote|strong|span|a|img|figure)[\s>]"
    )
    for f in sorted((Path(packets.__file__).parent).glob("*.py")):
        found = [line for line in f.read_text().splitlines() if tag.search(line)]
        assert not found, f"{f.name}: {found}"


# ----------------------------------------------------------------- print layout of both frameworks' packets


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """The demo's first unit of each framework (Alder Creek County, cpm-orb; Driftwood Municipality, cps),
    built with PDFs, and the statewide index."""
    folder = tmp_path_factory.mktemp("both-frameworks")
    store = App.for_workspace(folder, create=True).store
    names = make_demo(store, counties=4, seed=2026)
    chosen = [names[0], names[3]]
    out = tmp_path_factory.mktemp("both-out") / "packets"
    report = packets.run_packets(folder, counties=chosen, out=out, pdf=True, progress=False)
    assert report.ok, report.summary()
    return {"store": store, "names": chosen, "out": out}


class _Kept(__import__("html.parser").parser.HTMLParser):
    """Wave labels and dates in a page's text that a line could break inside (outside a no-wrap element)."""

    VOID = {"img", "br", "meta", "link", "input", "hr", "col", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.loose = [], []

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        cls = set((dict(attrs).get("class") or "").split())
        whole = bool(cls & {"orb-keep", "nowrap"}) or (tag == "td" and "num" in cls) or tag in ("style", "title")
        self.stack.append((tag, whole))

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop()[0] != tag:
            pass

    def handle_data(self, data):
        if not any(whole for _, whole in self.stack):
            self.loose += [(m.group(), " ".join(data.split())[:70]) for m in _DATE_OR_WAVE.finditer(data)]


_DATE_OR_WAVE = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December) \d{1,2}, \d{4}"
    r"|\b20\d\d-(?:spring|summer|fall|autumn|winter)\b"
)


def test_wave_labels_and_dates_never_break_across_lines(both):
    for name in both["names"]:
        html_page = page(both["out"], name)
        assert "2026-spring" in html_page and "2025-fall" in html_page
        parser = _Kept()
        parser.feed(html_page)
        assert not parser.loose, f"{name}: could break inside {parser.loose[:5]}"
    parser = _Kept()
    parser.feed((both["out"] / "index.html").read_text("utf-8"))
    assert not parser.loose, f"index: could break inside {parser.loose[:5]}"
    css = (packets.TEMPLATES / "packet" / "static" / "packet.css").read_text("utf-8")
    assert re.search(r"(^|\n)\.orb-keep \{ white-space: nowrap; \}", css)


def test_no_heading_is_repeated_as_the_caption_under_it(both):
    """A table's caption that says what the heading right above it says is noise in print."""
    pairs = []
    for name in both["names"]:
        blocks = re.findall(
            r"<(h[1-4]|caption)\b[^>]*>(.*?)</\1>|<p class=\"orb-h4\">(.*?)</p>", page(both["out"], name), re.S
        )
        items = [(tag or "h4", html.unescape(re.sub(r"<[^>]+>", "", a or b)).strip()) for tag, a, b in blocks]
        pairs += [
            (name, head)
            for (kind, head), (nxt, text) in zip(items, items[1:])
            if kind != "caption" and nxt == "caption" and head.casefold() == text.casefold()
        ]
    assert "Leaders compared with staff" in page(both["out"], both["names"][0])
    assert not pairs, pairs


def test_an_audience_has_one_colour_in_all_of_a_units_charts(both, monkeypatch):
    """Guardians are rated in two of Driftwood's key-message charts, first in one and second in the other:
    the same colour in both, and no two audiences share one."""
    from matplotlib.colors import to_hex

    from orb_widgets import plots

    drawn = []
    real = plots.key_message_ratings

    def spy(*args, **kw):
        ax = real(*args, **kw)
        drawn.append({bars.get_label(): {to_hex(p.get_facecolor()) for p in bars} for bars in ax.containers})
        return ax

    monkeypatch.setattr(plots, "key_message_ratings", spy)
    shutil.rmtree(both["store"].folder / CHARTS, ignore_errors=True)  # drawn now, not read from the packet run's
    packets.Packet(both["store"], both["names"][1]).section_html("messages")
    assert len(drawn) >= 2
    colour = {}
    for chart in drawn:
        for audience, colours in chart.items():
            assert len(colours) == 1, (audience, colours)
            colour.setdefault(audience, set()).update(colours)
    assert any(sum(a in chart for chart in drawn) > 1 for a in colour), "an audience in two charts"
    assert all(len(c) == 1 for c in colour.values()), colour
    assert len({next(iter(c)) for c in colour.values()}) == len(colour)


def test_a_packet_built_again_draws_no_chart_of_what_the_team_typed(workspace, monkeypatch):
    """The key-message and competence charts are kept in the workspace as the workbook's pages keep them:
    the second build shows the same pictures without drawing; a changed rating draws that chart again."""
    from orb_widgets import plots

    store = App.for_workspace(workspace, create=True).store
    name = make_demo(store, counties=1, seed=5)[0]
    calls = []
    for chart in ("key_message_ratings", "competence"):
        real = getattr(plots, chart)
        monkeypatch.setattr(
            plots, chart, lambda *a, _real=real, _name=chart, **kw: calls.append(_name) or _real(*a, **kw)
        )
    first = [packets.Packet(store, name).section_html(s) for s in ("messages", "plan")]
    assert "key_message_ratings" in calls
    calls.clear()
    assert [packets.Packet(store, name).section_html(s) for s in ("messages", "plan")] == first
    assert calls == []

    key, message = next(iter(workbook.load_all(store, name, "key_message").items()))
    message.tests[0].ratings = {k: 1 for k in message.tests[0].ratings}
    workbook.save(store, name, "key_message", key, message.model_dump(mode="json"), "a county team member")
    again = packets.Packet(store, name).section_html("messages")
    assert calls.count("key_message_ratings") == 2  # that message's chart, wide and for a phone
    assert again != first[0]


def _section_starts(pdf) -> list[bool]:
    """For each page, whether it begins with a section's heading."""
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    titles = set(packets.SECTIONS.values())
    return [next((ln.strip() for ln in p.splitlines() if ln.strip()), "") in titles for p in text.split("\f")]


def test_no_page_of_either_framework_is_less_than_half_used_but_before_a_section(both):
    for name in both["names"]:
        pdf = both["out"] / f"{unique_slug(name)}.pdf"
        used, starts = _used_height(pdf), _section_starts(pdf)
        short = [(n + 1, round(u, 2)) for n, u in enumerate(used[:-1]) if u < 0.5 and not starts[n + 1]]
        assert not short, f"{name}: pages less than half used, not before a section: {short}"


def test_index_heatmap_words_are_ten_px_and_county_names_one_line(both):
    """In the index the heatmap's words are at least 10 px and each county's name fits on one line, in the
    heatmap and in the tables (laid out by WeasyPrint, as a printed index is)."""
    import weasyprint

    index = (both["out"] / "index.html").read_text("utf-8")
    sizes = [float(s) for s in re.findall(r'<text[^>]*font-size="([\d.]+)', index)]
    assert sizes and min(sizes) >= 10, sorted(set(sizes))
    doc = weasyprint.HTML(string=index).render()

    def lines_of(box, found, in_body=False):
        for child in getattr(box, "children", []):
            tag = getattr(child, "element_tag", None)
            if tag == "th" and in_body:
                text = " ".join("".join(child.element.itertext()).split())
                found.append((text, sum(1 for b in child.descendants() if type(b).__name__ == "LineBox")))
            else:
                lines_of(child, found, in_body or tag == "tbody")
        return found

    found = [f for p in doc.pages for f in lines_of(p._page_box, [])]
    assert {t for t, _ in found} >= set(both["names"])
    assert all(n == 1 for _, n in found), [f for f in found if f[1] != 1]


def _overview(*places: tuple[str, str]) -> str:
    """The overview page of packets already built for ``places`` ((name, framework) each)."""
    from orb_widgets.packets.index import render_index
    from orb_widgets.packets.models import IndexRow, LastRun, Manifest, PacketEntry

    rows = {
        name: PacketEntry(
            county=name,
            slug=name.lower().replace(" ", "-"),
            html=f"{name}.html",
            index_row=IndexRow(
                county=name,
                wave="2026-spring",
                framework=fid,
                framework_title=fid,
                n_respondents=12,
                element_names={"A": "Fit"},
                elements={"A": 3.5},
                statements={"A": ["A1"]},
                steps={"planned": 2, "done": 1},
            ),
        )
        for name, fid in places
    }
    run = LastRun(started="2026-12-07T09:00:00", ok=len(rows))
    return text_of(render_index(Manifest(packets=rows, last_run=run), list(rows)))


def test_the_overview_speaks_of_the_places_it_holds():
    schools = _overview(("Lakeby", "cps"), ("Norrvik", "cps")).lower()
    assert "municipality packets: overview" in schools and "follow-through by municipality" in schools
    assert "average scores by municipality" in schools and "municipalities are set side by side" in schools
    assert not re.search(r"\bcount(y|ies)\b|statewide", schools)
    counties = _overview(("Alder Creek County", "cpm-orb")).lower()
    assert "county packets: statewide overview" in counties and "municipalit" not in counties
    both = _overview(("Alder Creek County", "cpm-orb"), ("Lakeby", "cps")).lower()
    assert "county or municipality packets: overview" in both and "follow-through by county or municipality" in both
    assert "average scores by county" in both and "average scores by municipality" in both
