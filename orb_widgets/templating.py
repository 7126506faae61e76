"""The one way a Jinja environment is made, and where the shipped templates are.

Every page ORB renders itself (the partials behind the packet, the dashboard
and the command line; the statewide index; the survey pages; the hub's
packet page) gets its environment from :func:`environment`: HTML autoescaped
(``*.html``, ``*.html.j2``), plain-text and Markdown templates (``*.txt.j2``,
``*.md.j2``: their typed text goes through a text filter instead) not, and a
missing value an error (``StrictUndefined``), never a blank. Each caller adds
its own filters and globals through the factory.

>>> env = environment(PARTIALS)
>>> env.from_string("{{ x }}").render(x="<b>")
'&lt;b&gt;'
>>> env.autoescape("table.html.j2"), env.autoescape("results.txt.j2"), env.autoescape("followup.md.j2")
(True, False, False)
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from .resources import shipped

#: The shipped ``templates/`` folder and the template folders in it.
TEMPLATES = shipped("templates")
PARTIALS = TEMPLATES / "partials"  # shared partials: packet sections, dashboard, command line, widgets
PACKET = TEMPLATES / "packet"  # the nbconvert template of a county packet
INDEX = TEMPLATES / "index"  # the statewide index page
SURVEY = TEMPLATES / "survey"  # the respondent's survey pages
HUB = TEMPLATES / "hub"  # the hub's packet page

_AUTOESCAPE = jinja2.select_autoescape(
    enabled_extensions=("html", "html.j2"),
    disabled_extensions=("txt", "txt.j2", "md", "md.j2"),
    default_for_string=True,
    default=True,
)


def environment(
    folder: Path,
    *,
    trim: bool = False,
    extensions: tuple = (),
    filters: dict | None = None,
    globals: dict | None = None,
) -> jinja2.Environment:
    """An environment over ``folder``: autoescaping HTML, strict about missing values.

    ``trim`` drops the newline after a block tag and the spaces before it
    (``trim_blocks``, ``lstrip_blocks``), for templates written with one tag a line.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)),
        autoescape=_AUTOESCAPE,
        undefined=jinja2.StrictUndefined,
        trim_blocks=trim,
        lstrip_blocks=trim,
        extensions=list(extensions),
    )
    env.filters.update(filters or {})
    env.globals.update(globals or {})
    return env
