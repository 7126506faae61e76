"""Chart labels print as whole words (orb_widgets.packets.svgtext): the same words in the same places
as WeasyPrint's letter-by-letter route, one text run a label, and WeasyPrint as it was afterwards."""

import re
import subprocess

import weasyprint

from orb_widgets.packets import svgtext

LABELS = [  # (x, y, attributes, text): the kinds of label matplotlib writes, and two it never does
    (20, 30, "", "A. Fit &amp; Priority of implementing the practice model"),
    (300, 60, 'text-anchor="middle"', "Average score by element"),
    (580, 90, 'text-anchor="end" font-weight="bold"', "Comunicación y opiniones"),
    (40, 200, 'transform="rotate(-90 40 200)" text-anchor="middle"', "average rating"),
    (200, 130, 'font-size="14px" fill="#1f5f8b"', "3.42 to 3.55"),
    (None, None, 'transform="translate(320 220)"', "the practice model"),  # placed by a transform alone
    (20, 160, 'dx="0 4 4 4"', "Wide"),  # per-letter spacing: WeasyPrint's own route
]


def _page() -> str:
    def place(x, y):
        return f'x="{x}" y="{y}"' if x is not None else ""

    texts = "".join(
        f'<text {place(x, y)} font-family="DejaVu Sans" font-size="11px" {a}>{t}</text>' for x, y, a, t in LABELS
    )
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" width="600" height="240" viewBox="0 0 600 240">{texts}</svg>'
    return f"<html><body style='margin:0'>{svg}</body></html>"


def _pdf(fast: bool, **kw) -> bytes:
    if fast:
        with svgtext.whole_text_runs() as on:
            assert on
            return weasyprint.HTML(string=_page()).write_pdf(**kw)
    return weasyprint.HTML(string=_page()).write_pdf(**kw)


def _words(pdf: bytes, tmp_path, name: str) -> list[tuple[str, float, float]]:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return [
        (w, float(x), float(y))
        for x, y, w in re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]*)</word>', out)
    ]


def test_the_installed_weasyprint_gets_the_fix():
    # a WeasyPrint upgrade that changed its SVG text code would quietly print letter by letter again
    assert svgtext.available()


def test_labels_print_the_same_words_in_the_same_places(tmp_path):
    stock = _words(_pdf(False), tmp_path, "stock")
    fast = _words(_pdf(True), tmp_path, "fast")
    assert [w for w, _, _ in fast] == [w for w, _, _ in stock]
    assert "Comunicación" in [w for w, _, _ in fast]
    for (word, x1, y1), (_, x2, y2) in zip(stock, fast):
        assert abs(x1 - x2) < 1.5 and abs(y1 - y2) < 1.5, (word, (x1, y1), (x2, y2))


def test_a_label_is_one_text_run_and_only_letter_spacing_goes_letter_by_letter():
    def runs(pdf: bytes) -> int:
        return len(re.findall(rb"\bT[Jj]\b", pdf))

    stock = runs(_pdf(False, uncompressed_pdf=True))
    fast = runs(_pdf(True, uncompressed_pdf=True))
    letters = sum(len(t.replace("&amp;", "&").replace(" ", "")) for *_, t in LABELS)
    assert stock == letters  # WeasyPrint's route: a run per letter (spaces are not drawn)
    assert fast == len(LABELS) - 1 + len("Wide")  # one per label; the spaced one keeps one per letter


def test_weasyprint_is_restored_afterwards():
    import importlib

    svg = importlib.import_module("weasyprint.svg")
    stock = importlib.import_module("weasyprint.svg.text").text
    with svgtext.whole_text_runs():
        assert svg.TAGS["text"] is not stock
    assert svg.text is stock and all(svg.TAGS[t] is stock for t in ("text", "tspan", "textPath", "a"))
