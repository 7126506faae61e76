"""The survey's pages as HTML: one Jinja environment per language, the form's preview for the
tailoring step, and what a respondent reads when a send fails. No web server is imported here.
"""

from __future__ import annotations

import functools
import hashlib

import jinja2

from .. import templating
from ..instrument import Instrument
from .form import MAX_COMMENT, form_view
from .i18n import N_, translations

TEMPLATES = templating.SURVEY
STATIC = TEMPLATES / "static"

# What a respondent reads when a send fails; translated where shown.
PROBLEMS = {
    "role": N_("Please choose the group that best fits your role (the first question)."),
    "answers": N_("Please answer at least one statement before sending."),
    "unit": N_("Please choose an office or unit from the list, or “Prefer not to say”."),
    "invalid": N_("Some answers could not be read. Please check them and press Send again."),
    "route": N_(
        "Some answers were to statements your group is not asked, so nothing was saved. "
        "Please check the statements on this page and press Send again."
    ),
    "closed": N_("This survey closed before your answers arrived, so they could not be saved."),
    "store": N_(
        "We could not save your answers just now because of a problem on our side. "
        "Please wait a minute and press Send again."
    ),
    "busy": N_("Many people are sending answers right now. Please wait a minute and press Send again."),
    "stale": N_("This page had to be refreshed on our side. Please press Send once more."),
    "cookie": N_(
        "Your browser did not send back this page's safety check. Please allow cookies for this "
        "site and press Send again."
    ),
}


@functools.lru_cache(maxsize=None)
def _env(language: str) -> jinja2.Environment:
    env = templating.environment(TEMPLATES, extensions=("jinja2.ext.i18n",))
    env.install_gettext_translations(translations(language), newstyle=True)
    return env


def render(template: str, language: str, **context) -> str:
    """A survey page (``templates/survey/<template>``) in ``language``, autoescaped."""
    context.setdefault("static_url", "/survey/static")
    context.setdefault("static_version", _static_version())
    context.setdefault("with_script", True)
    context.setdefault("county", "")
    context.setdefault("languages", [])
    return _env(language).get_template(template).render(language=language, **context)


def preview_page(
    inst: Instrument, language: str | None = None, static_url: str = "/survey/static", role: str | None = None
) -> str:
    """The form exactly as respondents see it, with sending turned off (the tailoring step's preview).

    A routed survey shows the statements of role group ``role``, or without one its first page,
    which asks the role.
    """
    view = form_view(inst, language, role)
    return render(
        "role.html.j2" if view.asks_role_first else "form.html.j2",
        view.language,
        view=view,
        county=view.county,
        title=view.title,
        static_url=static_url,
        action="#",
        once="",
        xsrf_form_html="",
        chosen=Chosen(),
        answered=0,
        problem=None,
        problem_field=None,
        minutes=max(2, round(view.total / 5)),
        max_comment=MAX_COMMENT,
        draft_key="",
        change_role="#",
        preview=True,
        with_script=False,
    )


@functools.lru_cache(maxsize=None)
def _static_version() -> str:
    h = hashlib.sha256()
    for f in sorted(STATIC.glob("*")):
        h.update(f.read_bytes())
    return h.hexdigest()[:10]


class Chosen(dict):
    """The answers already on the page; a field not answered is empty."""

    def __missing__(self, key):
        return ""
