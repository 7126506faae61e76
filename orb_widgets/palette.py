"""The colours and markers charts give lines and audiences, without drawing anything.

A page that only needs to know an audience's colour (to look up a chart it drew
before) gets it here without importing matplotlib.
"""

from __future__ import annotations

#: Okabe & Ito's colour-blind-safe palette (2008), in the order charts use it: neighbours differ in hue
#: and in lightness, so lines stay apart in grey print too. Its yellow, faint on white, comes last.
OKABE_ITO = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#d55e00", "#56b4e9", "#000000", "#f0e442")
#: One marker per line, in the same order: two lines that overlap still show two shapes.
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def line_styles(n: int) -> list[tuple[str, str]]:
    """``n`` (colour, marker) pairs, all different for up to eight lines (Okabe–Ito colours).

    >>> line_styles(2)
    [('#0072b2', 'o'), ('#e69f00', 's')]
    """
    return [(OKABE_ITO[k % len(OKABE_ITO)], MARKERS[k % len(MARKERS)]) for k in range(n)]


def audience_colors(audiences) -> dict[str, str]:
    """The one colour of each audience (role group), for every chart that shows audiences.

    Give it every audience a county has (not only one chart's): colours follow the names'
    alphabetical order, so an audience has the same colour in every chart of that county.

    >>> audience_colors(["Teachers", "Guardians"]) == {"Guardians": "#0072b2", "Teachers": "#e69f00"}
    True
    """
    names = sorted({str(a) for a in audiences}, key=lambda a: (a.casefold(), a))
    return {a: OKABE_ITO[k % len(OKABE_ITO)] for k, a in enumerate(names)}
