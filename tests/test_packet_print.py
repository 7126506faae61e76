"""How the packet's stylesheet lays out a printed page (WeasyPrint, the packet's PDF engine)."""

import base64
import subprocess

import matplotlib.pyplot as plt
from PIL import Image

from orb_widgets import plots
from orb_widgets.packets import TEMPLATES, Chart, html_to_pdf

CSS = (TEMPLATES / "packet" / "static" / "packet.css").read_text("utf-8")


def pdf_pages(tmp_path, body: str) -> list[str]:
    pdf = tmp_path / "page.pdf"
    pdf.write_bytes(
        html_to_pdf(
            f'<html><head><style>{CSS}</style></head><body class="orb-packet"><main>{body}</main></body></html>'
        )
    )
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return text.split("\f")


def table(rows: int, label: str) -> str:
    body = "".join(f"<tr><td>{label} row {k:02d}</td><td>What we heard</td></tr>" for k in range(rows))
    return (
        f'<table class="orb-table"><thead><tr><th>{label} head</th><th>Feedback</th></tr></thead>'
        f"<tbody>{body}</tbody></table>"
    )


def filler(lines: int) -> str:
    return "".join(f"<p>Filler line {k} so the next block starts near the foot of the page.</p>" for k in range(lines))


def page_of(pages: list[str], text: str) -> list[int]:
    return [i for i, p in enumerate(pages) if text in p]


def test_short_table_near_the_foot_of_a_page_moves_whole(tmp_path):
    for lines in range(24, 34, 3):  # whichever way the page falls, no row is left alone
        pages = pdf_pages(tmp_path, filler(lines) + table(5, "Short"))
        where = {i for k in range(5) for i in page_of(pages, f"Short row {k:02d}")}
        assert len(where) == 1, (lines, where)
        assert page_of(pages, "Short head") == sorted(where)


def test_long_table_repeats_its_header_on_every_page(tmp_path):
    pages = pdf_pages(tmp_path, table(90, "Long"))
    with_rows = [i for i, p in enumerate(pages) if "Long row" in p]
    assert len(with_rows) >= 2
    assert with_rows == page_of(pages, "Long head")


def test_svg_chart_is_drawn_in_the_pdf(tmp_path):
    fig, ax = plt.subplots(figsize=(6, 3))
    ax.bar(["A", "B", "C"], [3.2, 2.7, 3.9], color="#1f5f8b")
    chart = Chart(plots.to_svg(ax), "x")
    assert 'src="data:image/svg+xml;base64,' in chart.html() and 'alt="x"' in chart.html()
    assert b"<script" not in chart.svg and base64.b64encode(chart.svg)
    pdf = tmp_path / "chart.pdf"
    pdf.write_bytes(html_to_pdf(f"<html><body>{chart.html()}</body></html>"))
    subprocess.run(["pdftoppm", "-png", "-r", "40", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")], check=True)
    png = next(tmp_path.glob("p*.png"))
    dark = sum(1 for px in Image.open(png).convert("L").getdata() if px < 128)
    assert dark > 1500  # the bars, not the one-letter alt text a missing image would show


def test_chart_alt_text_is_escaped():
    fig, ax = plt.subplots()
    html = Chart(plots.to_svg(ax), '"><script>alert(1)</script>').html()
    assert "<script>" not in html and ("&#34;&gt;&lt;script&gt;" in html or "&quot;&gt;&lt;script&gt;" in html)


def used_heights(pdf_bytes: bytes, tmp_path, dpi: int = 30) -> list[float]:
    """How far down each page's printed area (inside the @page margins) something is drawn, 0 to 1."""
    pdf = tmp_path / "used.pdf"
    pdf.write_bytes(pdf_bytes)
    for old in tmp_path.glob("u-*.pgm"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", str(pdf), str(tmp_path / "u")], check=True)
    out = []
    for png in sorted(tmp_path.glob("u-*.pgm")):
        img = Image.open(png).convert("L")
        width, height = img.size
        top, bottom = int(0.7 * dpi), height - int(0.8 * dpi)
        px = img.load()
        inked = [y for y in range(top, bottom) if any(px[x, y] < 200 for x in range(width))]
        out.append((inked[-1] - top) / (bottom - top) if inked else 0.0)
    return out


def test_a_chart_that_does_not_fit_never_leaves_more_than_half_a_page_empty(tmp_path):
    """Wherever a section's heading and its chart fall, the page before them is at least half used: what
    must stay together (heading, subheading, chart) is under half a page, the chart shrinking to fit."""
    names = {e: f"Element {e} with a longer name" for e in "ABCDEFGH"}
    records = [
        {"element": e, "mean": 2.0 + k / 4, "ci_low": 1.8 + k / 4, "ci_high": 2.2 + k / 4, "suppressed": False}
        for k, e in enumerate(names)
    ]
    chart = Chart(plots.to_svg(plots.element_scores(records, names, points=5)), "Chart").html()
    section = f'<h2 class="orb-h2">Scores by element</h2><h3 class="orb-h3">Elements</h3>{chart}'
    for lines in range(8, 40, 4):  # the section starting ever lower on the first page
        body = filler(lines) + section + table(4, "After")
        used = used_heights(
            html_to_pdf(
                f'<html><head><style>{CSS}</style></head><body class="orb-packet"><main>{body}</main></body></html>'
            ),
            tmp_path,
        )
        assert all(u >= 0.5 for u in used[:-1]), (lines, [round(u, 2) for u in used])
