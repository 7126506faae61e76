"""``orb webinar list|export``: the coach's series from the command line, to script follow-up e-mails."""

from __future__ import annotations

import sys
from pathlib import Path

from ..exceptions import OrbError

FORMATS = ("md", "txt", "csv", "html")


def cmd_webinar(args) -> int:
    from . import storage, views

    store = args.app.store
    series = storage.load_series(store)
    if args.action == "list":
        sys.stdout.write(
            views.render(
                "webinar_list.txt.j2",
                events=[
                    (rec, sum(len(r.people) for r in rec.rooms), views.counties_in(rec, series))
                    for rec in series.events
                ],
            )
        )
        return 0
    if not args.event:
        raise OrbError("say which event to export: orb webinar export --event ID ('orb webinar list' shows them)")
    rec = series.get(args.event)
    fmt = args.format
    if fmt == "csv":
        from ..exports import table_bytes

        data: str | bytes = table_bytes(views.export_frame(series, rec.id, args.county), "csv")
    else:
        names = [args.county] if args.county else views.counties_in(rec, series)
        if not names:
            raise OrbError(f"nobody has been added to a room of '{rec.id}' yet: nothing to send")
        render = {"md": views.followup_markdown, "txt": views.followup_text, "html": views.followup_html}[fmt]
        follow = [views.followup(series, rec.id, n) for n in names]  # every county checked before writing
        joiner = "\n\n" + ("-" * 60 + "\n\n" if fmt != "html" else "")
        data = joiner.join(render(f) for f in follow)
    if args.out:
        from ..exports import write_atomic

        path = write_atomic(Path(args.out), data)
        print(f"Written: {path}", file=sys.stderr)
    elif isinstance(data, bytes):
        sys.stdout.buffer.write(data)
    else:
        sys.stdout.write(data)
    return 0


def add_cli(sub, common) -> None:
    p = sub.add_parser(
        "webinar",
        parents=[common],
        help="the coach's webinar series: events and follow-ups",
        description="List the coach's webinar events, or export the follow-up for each county "
        "(or one, with --county) after an event.",
    )
    p.add_argument("action", choices=["list", "export"], help="list events, or export an event's follow-ups")
    p.add_argument("--event", help="the event id (from 'orb webinar list')")
    p.add_argument("--county", "--unit", help="only this county's follow-up (nothing of another county is included)")
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="md",
        help="md (Markdown e-mail), txt (plain e-mail), csv (a table), html (a web page); default md",
    )
    p.add_argument("--out", help="write to this file instead of the screen")
    p.set_defaults(func=cmd_webinar)
