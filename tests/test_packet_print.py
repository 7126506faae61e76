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
