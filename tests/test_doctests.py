"""The examples in the docstrings run, and give what they say (pingouin's way: docs that are tested)."""

import doctest
import importlib

import pytest

MODULES = [
    "scoring",
    "scoring.stats",
    "scoring.prepare",
    "scoring.elements",
    "scoring.reliability",
    "scoring.breakdowns",
    "scoring.priorities",
    "scoring.wave",
    "report",
    "views",
    "views.results",
    "format",
    "templating",
    "text",
    "packets.models",
    "render",
    "planning",
    "plots",
    "exports",
    "paths",
    "rules",
    "merge",
    "keymessages",
    "progress",
    "results",
    "webinar.roomlinks",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(f"orb_widgets.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert result.attempted > 0 or name in ("exports", "paths")
