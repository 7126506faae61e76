"""Step 5: the survey link. The team sees the real page, the link, and how many have answered.

Respondents never come here: they answer on the survey link, a plain web
page served without a kernel (:mod:`orb_widgets.survey`). This page opens and
closes that link for the county and wave, makes a printable flyer with a QR
code, shows the page exactly as people see it, and counts the answers so far.
A role group's count is shown only when it has at least the survey's
smallest group size, so a count can never point at one person.
"""

from __future__ import annotations

import ipywidgets as w

from ..exceptions import OrbError
from ..results import role_counts
from ..survey.cli import default_wave
from ..survey.flyer import link_url
from ..views import date
from .context import WorkbookContext
from .controls import button, row
from .style import download_link, html, section_header, status

PREVIEW_HEIGHT = "720px"
__all__ = ["SurveyLinks", "role_counts", "survey_links"]


class SurveyLinks(w.VBox):
    """The county's survey link for this wave: open or close it, the flyer, the page, the count."""

    def __init__(self, ctx: WorkbookContext, survey_url: str = ""):
        self.ctx = ctx
        self.survey_url = (survey_url or ctx.settings.survey_url).rstrip("/")
        self.instrument = ctx.store.current_instrument(ctx.county)
        self.wave = ctx.wave or default_wave(ctx.store, ctx.county)
        self.links_html = w.HTML()
        self.count_html = w.HTML()
        self.page_html = w.HTML()
        self.open_button = button("Open a survey link", "Make a new link people can answer on", "primary", "link")
        self.close_button = button("Close the link", "Stop taking answers on this link", "", "lock")
        self.flyer_button = button("Make a printable flyer", "A page with the link and a QR code", "", "print")
        self.flyer_out = w.HTML()
        self.open_button.on_click(lambda _b: self.open_link())
        self.close_button.on_click(lambda _b: self.close_link())
        self.flyer_button.on_click(lambda _b: self.flyer())
        super().__init__(
            [
                section_header(
                    f"Link for wave {self.wave}",
                    "Staff and partners answer on this link, usually on a phone. It needs no "
                    "sign-in and asks for no name. Share it by e-mail or print the flyer for a "
                    "meeting.",
                ),
                self.links_html,
                row(self.open_button, self.close_button, self.flyer_button),
                self.flyer_out,
                self.count_html,
                self.page_html,
            ]
        )
        self.refresh()

    def _base(self) -> str:
        return self.survey_url

    def open_links(self):
        return [link for link in self.ctx.store.links(self.ctx.county) if link.is_open and link.wave == self.wave]

    def refresh(self) -> None:
        links = self.open_links()
        self.open_button.disabled = bool(links)
        self.close_button.disabled = self.flyer_button.disabled = not links
        self.links_html.value = html(
            "survey_links.html.j2",
            wave=self.wave,
            links=[
                {"url": link_url(self._base(), link.token), "opened": date(link.opened_at.date()), "by": link.opened_by}
                for link in links
            ],
        )
        self.page_html.value = (
            ""
            if not links
            else html(
                "widget_frame.html.j2",
                intro="The page as people see it",
                aside="(sending is turned off in this preview):",
                src=f"{self._base()}/survey/{links[0].token}?preview=1",
                srcdoc="",
                title="The survey page as people see it",
                height=PREVIEW_HEIGHT,
            )
        )
        self.count_html.value = self._count_text()

    def _count_text(self) -> str:
        store, county, inst = self.ctx.store, self.ctx.county, self.instrument
        total = store.response_count(county, self.wave)
        roles = []
        if total:
            frame = store.answers_frame(county)
            per_role = (
                frame[frame["wave"] == self.wave].drop_duplicates("respondent")["role"].value_counts()
                if len(frame)
                else {}
            )
            labels = {r.id: r.label for r in inst.roles}
            shown = role_counts({r: int(per_role.get(r, 0)) for r in labels}, inst.min_group)
            roles = [(labels[r], n) for r, n in shown.items() if n is not None or per_role.get(r, 0)]
        return html("survey_count.html.j2", total=total, wave=self.wave, roles=roles)

    def open_link(self) -> None:
        try:
            self.ctx.store.open_link(self.ctx.county, self.wave, user=self.ctx.user or "workbook")
        except OrbError as exc:
            self.links_html.value = status(f"Could not open a link: {exc}", "err")
            return
        self.refresh()

    def close_link(self) -> None:
        for link in self.open_links():
            self.ctx.store.close_link(link.token)
        self.refresh()

    def flyer(self) -> None:
        from ..survey.flyer import flyer_html
        from ..survey.service import Survey

        links = self.open_links()
        if not links:
            return
        page = flyer_html(Survey(self.ctx.store), links[0], self._base() or "http://127.0.0.1:8866")
        self.flyer_out.value = download_link(
            f"survey-flyer-{links[0].wave}.html", page, "text/html", "Download the flyer (open it and print)"
        )


def survey_links(ctx: WorkbookContext, survey_url: str = ""):
    """Step 5's page; a county without a saved survey gets a plain message instead."""
    try:
        return SurveyLinks(ctx, survey_url)
    except OrbError as exc:
        return w.HTML(status(str(exc), "warn"))
