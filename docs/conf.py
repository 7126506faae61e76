"""Sphinx configuration for the ORB Workbook documentation (built by ``python3 dev.py docs``).

Pages are Markdown (MyST). The reference is generated from the code: the command line from
``orb_widgets.cli.build_parser`` (sphinx-argparse), the JSON contracts from the pydantic models
(``_ext/orbdocs.py``), the API from the docstrings (autodoc + numpydoc). The build runs with
warnings as errors (``-W --keep-going -n``), and ``tests/test_docs.py`` runs it in CI.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))
sys.path.insert(0, str(DOCS.parent))  # the checkout's orb_widgets, installed or not
os.environ.setdefault("MPLBACKEND", "Agg")

project = "ORB Workbook"
author = "ORB Workbook contributors"
copyright = "ORB Workbook contributors"
release = version = "0.1.0"

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "numpydoc",
    "sphinxarg.ext",
    "orbdocs",
]
source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

html_theme = "alabaster"
html_static_path = ["_static"]
html_title = "ORB Workbook"
html_theme_options = {
    "description": "Organizational Readiness Building: a workbook for coaches, county teams and coordinators",
    "fixed_sidebar": True,
    "page_width": "1140px",
    "sidebar_width": "240px",
}

# API pages: numpydoc reads the docstrings; signatures keep their annotations as plain text.
autodoc_member_order = "bysource"
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# Types from other libraries have no page here (no intersphinx: the build works offline).
nitpicky = True
nitpick_ignore_regex = [
    (
        "py:.*",
        r"(pd|pandas|np|numpy|sqlalchemy|pydantic|ipywidgets|traitlets|pathlib|datetime|collections|"
        r"typing|markupsafe|jinja2|matplotlib|tornado|dask|jupyter_server|voila|nbformat)\..*",
    ),
    ("py:meth", r".*\.model_\w+"),  # pydantic's own methods
    # Short names the package's docstrings use for a sibling module or class; they read fine as text.
    (
        "py:(mod|class|func)",
        r"(models|schema|sections|engine|build|runner|index|cli|registry|survey_text|hold|"
        r"OrbError|StaleEdit|Packet|RunReport|CountyLocked|MatrixRow)",
    ),
    (
        "py:class",
        r"(Path|DataFrame|Series|Engine|Markup|BaseModel|Axes|Figure|optional|callable|iterable|"
        r"mapping|sequence|str|int|float|bool|dict|list|tuple|set|None|bytes|object)",
    ),
]
