"""``orb webinar list|export``: the coach's series from the command line, to script follow-up e-mails."""

from __future__ import annotations

import sys
from pathlib import Path

from ..exceptions import OrbError
from . import storage

FORMATS = ("md", "txt", "csv", "html")
#: Where room links are opened when neither --base-url nor $ORB_SURVEY_URL says (``orb serve --form``'s port).
DEFAULT_BASE_URL = "http://127.0.0.1:8866"


def _base_url(args) -> str:
    url = args.base_url or args.app.settings.survey_url or args.app.store.get_meta("served_url") or DEFAULT_BASE_URL
    if not url.startswith(("http://", "https://")):
        raise OrbError(f"--base-url must start with http:// or https://, not {url!r}")
    return url


def _need(args, key: str, what: str):
    value = getattr(args, key.replace("-", "_"))
    if value in (None, ""):
        raise OrbError(f"--{key} is missing: {what}")
    return value


def cmd_rooms(args) -> int:
    """``orb webinar create|links|close|open``: an event with a link per breakout room."""
    import datetime as dt

    from . import roomlinks

    store = args.app.store
    if args.action == "create":
        title = _need(args, "title", 'give the event\'s title, e.g. --title "Readiness webinar"')
        day = _need(args, "date", "give the event's day as YYYY-MM-DD, e.g. --date 2026-03-12")
        try:
            date = dt.date.fromisoformat(day)
        except ValueError:
            raise OrbError(f"--date {day!r}: write the day as YYYY-MM-DD, e.g. 2026-03-12") from None
        framework = _need(args, "framework", "name the content pack whose prompts the rooms use (cpm-orb or cps)")
        rooms = _need(args, "rooms", "say how many breakout rooms the event has, e.g. --rooms 8")
        counties = [c.strip() for c in (args.counties or "").split(",") if c.strip()]
        key = roomlinks.create_event(
            store, title, date, framework, rooms, args.user or "coach", minutes=args.minutes or 10, counties=counties
        )
        print(key)
        return 0
    event_id = _need(args, "event", "say which event ('orb webinar list' shows them)")
    if args.action in ("close", "open"):
        roomlinks.close_event(store, event_id, args.user or "coach", closed=args.action == "close")
        print(
            f"{event_id}: room links are read-only now"
            if args.action == "close"
            else f"{event_id}: room links take changes again"
        )
        return 0
    base = _base_url(args)
    tokens = roomlinks.open_links(store, event_id, args.user or "coach")
    if args.out:
        from ..exports import write_atomic

        path = write_atomic(Path(args.out), roomlinks.links_html(store, event_id, base))
        print(f"Written: {path}", file=sys.stderr)
    ev = storage.event(store, event_id)
    for n, token in enumerate(tokens):
        print(f"{ev.rooms[n]}: {roomlinks.room_url(base, token)}")
    return 0


def cmd_webinar(args) -> int:
    from . import storage, views

    if args.action in ("create", "links", "close", "open"):
        return cmd_rooms(args)
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
        help="the coach's webinar series: events, room links and follow-ups",
        description="Set up a webinar event with a link per breakout room (create, links), close or open its "
        "room links, list the coach's events, or export the follow-up for each county "
        "(or one, with --county) after an event.",
    )
    p.add_argument(
        "action",
        choices=["list", "export", "create", "links", "close", "open"],
        help="list events; export an event's follow-ups; create an event; print (or --out) its room links; "
        "close its room links (read-only) or open them again",
    )
    p.add_argument("--title", help="create: the event's title")
    p.add_argument("--date", help="create: the event's day, YYYY-MM-DD")
    p.add_argument("--framework", help="create: the content pack whose breakout prompts the rooms use (cpm-orb, cps)")
    p.add_argument("--rooms", type=int, help="create: how many breakout rooms (1 to 60)")
    p.add_argument("--minutes", type=int, help="create: minutes per prompt (default 10)")
    p.add_argument(
        "--counties",
        help="create: the counties taking part, comma-separated (room pages offer them; their teams see the links)",
    )
    p.add_argument(
        "--base-url",
        help="links: the address people reach the server at (default: $ORB_SURVEY_URL, "
        "else where 'orb serve' serves this workspace)",
    )
    p.add_argument("--user", help="whose change this is, for the history (default: coach)")
    p.add_argument("--event", help="the event id (from 'orb webinar list')")
    p.add_argument("--county", "--unit", help="only this county's follow-up (nothing of another county is included)")
    p.add_argument(
        "--format",
        choices=FORMATS,
        default="md",
        help="md (Markdown e-mail), txt (plain e-mail), csv (a table), html (a web page); default md",
    )
    p.add_argument("--out", help="write to this file instead of the screen (links: a printable page with QR codes)")
    p.set_defaults(func=cmd_webinar)
