"""Step 5: the survey link. The team sees the real page, the link, and how many have answered.

Respondents never come here: they answer on the survey link, a plain web
page served without a kernel (:mod:`orb_widgets.survey`). This page opens and
closes that link for the county and wave, makes a printable flyer with a QR
code, shows the page exactly as people see it, and counts the answers so far.
A role group's count is shown only when it has at least the survey's
smallest group size, so a count can never point at one person. The team can
say how many people the link went to (in all or per role group) and the day
it means to close it; the page then shows "42 of 60 answered (70%)" and the
days left.
"""

from __future__ import annotations

import datetime as dt

import ipywidgets as w

from ..exceptions import OrbError
from ..results import response_rate, role_counts, wave_link
from ..survey.cli import default_wave
from ..survey.flyer import link_url
from ..views import date
from .context import WorkbookContext
from .controls import button, field, row
from .style import download_link, html, note, section_header, status

PREVIEW_HEIGHT = "720px"
PLAN_HELP = (
    "How many people did you send the link to? Give the number in all, or per role group (then the "
    "total is their sum). With a closing day, this page counts the days left. Leave a number at 0 "
    "if you do not know it."
)
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
        self.invited = field(
            w.BoundedIntText(
                value=0, min=0, max=1_000_000, description="Sent to, in all", tooltip="How many people the link went to"
            ),
            "short",
        )
        self.invited_roles = {
            r.id: field(
                w.BoundedIntText(
                    value=0, min=0, max=1_000_000, description=r.label, tooltip=f"How many {r.label} it went to"
                ),
                "short",
            )
            for r in self.instrument.roles
        }
        self.closes = field(
            w.DatePicker(description="Closes on", tooltip="The day you mean to close the link"), "short"
        )
        self.plan_button = button("Save", "Save how many it went to and the closing day", "", "save")
        self.plan_status = w.HTML()
        self.plan_button.on_click(lambda _b: self.save_plan())
        self.plan_box = w.VBox(
            [
                note(PLAN_HELP),
                row(self.invited, self.closes),
                row(*self.invited_roles.values()),
                row(self.plan_button),
                self.plan_status,
            ]
        )
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
                self.plan_box,
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
        self.plan_box.layout.display = None if links else "none"
        self.plan_button.disabled = not links
        if links:
            link = links[0]
            roles = dict(link.invited_roles or {})
            self.invited.value = 0 if roles else (link.invited or 0)
            for role, box in self.invited_roles.items():
                box.value = roles.get(role, 0)
            self.closes.value = link.closes_on

    def _count_text(self) -> str:
        store, county, inst = self.ctx.store, self.ctx.county, self.instrument
        total = store.response_count(county, self.wave)
        roles = []
        if total:
            per_role = store.role_counts(county, self.wave)
            labels = {r.id: r.label for r in inst.roles}
            shown = role_counts({r: int(per_role.get(r, 0)) for r in labels}, inst.min_group)
            roles = [(labels[r], n) for r, n in shown.items() if n is not None or per_role.get(r, 0)]
        link = wave_link(store.links(county), self.wave)
        rate = response_rate(store, link, dt.date.today()) if link is not None else None
        return html("survey_count.html.j2", total=total, wave=self.wave, roles=roles, rate=rate)

    def save_plan(self) -> None:
        """Store how many people the open link went to and its closing day."""
        links = self.open_links()
        if not links:
            return
        roles = {role: box.value for role, box in self.invited_roles.items() if box.value}
        invited = roles or (self.invited.value or None)
        try:
            self.ctx.store.plan_link(links[0].token, invited, self.closes.value)
        except OrbError as exc:
            self.plan_status.value = status(f"Not saved: {exc}", "err")
            return
        self.refresh()
        self.plan_status.value = status("Saved.", "ok")

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
