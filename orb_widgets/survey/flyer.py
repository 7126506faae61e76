"""A printable flyer for staff meetings: the survey link, a QR code and two lines of reassurance."""

from __future__ import annotations

from markupsafe import Markup

from .form import LANGUAGE_NAMES, form_languages, form_view


def link_url(base_url: str, token: str) -> str:
    """The address people open: ``https://survey.example.gov/survey/<token>``."""
    return f"{base_url.rstrip('/')}/survey/{token}"


def flyer_html(survey, link, base_url: str, language: str | None = None) -> str:
    """The flyer page for ``link`` (a :class:`~orb_widgets.store.SurveyLink`), self-contained HTML."""
    import segno

    inst = survey.instrument(link.county)
    offered = form_languages(inst)
    language = language if language in offered else offered[0]
    view = form_view(inst, language)
    url = link_url(base_url, link.token)
    qr = segno.make(url, error="m").svg_inline(scale=8, dark="#0f3352", border=2)
    others = ", ".join(LANGUAGE_NAMES.get(code, code) for code in offered if code != language)
    return survey.render(
        "flyer.html.j2",
        language,
        title=view.title,
        county=link.county,
        wave=link.wave,
        url=url,
        qr=Markup(qr),
        minutes=max(2, round(view.total / 5)),
        min_group=view.min_group,
        other_languages=others,
    )
