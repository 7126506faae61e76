"""``orb packets`` on the command line, plugged into :mod:`orb_widgets.cli`."""

from __future__ import annotations

import argparse
import os
import signal
import sys

from ..exceptions import PacketError
from .runner import Stopped, clear_stop, request_stop


def add_cli(sub, common) -> None:
    """``orb packets``: plugged into :mod:`orb_widgets.cli`."""
    s = sub.add_parser(
        "packets",
        parents=[common],
        help="build a packet (HTML and PDF) per county and an index",
        description="Build one self-contained packet per county (HTML, and PDF unless --no-pdf) "
        "and a statewide index.html in --out. Unchanged counties are skipped.",
    )
    s.add_argument("--all", action="store_true", help="every county in the workspace")
    s.add_argument(
        "--county",
        "--unit",
        action="append",
        metavar="NAME",
        help="a county, municipality or school (repeat for several; --unit is the same)",
    )
    s.add_argument("--wave", default=None, help="survey wave (default: each county's latest)")
    s.add_argument("--out", metavar="DIR", default="packets", help="output folder (default ./packets)")
    s.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help=f"counties built at once (default: the machine's cores, {os.cpu_count()})",
    )
    s.add_argument(
        "--pdf", action=argparse.BooleanOptionalAction, default=True, help="also write a PDF per county (default: yes)"
    )
    s.add_argument("--force", action="store_true", help="rebuild every packet, changed or not")
    s.add_argument("--scheduler", metavar="ADDRESS", help="a Dask scheduler address, e.g. tcp://10.0.0.5:8786")
    s.add_argument("--quiet", action="store_true", help="no progress bar")
    s.set_defaults(func=cmd_packets)


def cmd_packets(args) -> int:
    """Run ``orb packets``: 0 all built, 1 some failed, 130/143 stopped; a user's mistake raises one line."""
    if not args.all and not args.county:
        raise PacketError("say which counties: --all, or --county NAME (repeatable); 'orb counties' lists them")
    if args.all and args.county:
        raise PacketError("use either --all or --county, not both")
    if args.workers is not None and args.workers < 1:
        raise PacketError("--workers must be 1 or more")
    app = args.app  # the settings, read once by `orb`; the runner passes the database on to each child

    # Test hook: the stop's exception is lost, as when the signal lands inside a finaliser; the run
    # must still stop (it remembers the signal and its waiting loop raises it).
    lose = bool(os.environ.get("ORB_PACKETS_TEST_LOSE_STOP"))

    def stop(signum, frame):
        request_stop(signum)
        if not lose:
            raise Stopped(signum)

    clear_stop()
    previous = signal.signal(signal.SIGTERM, stop)
    previous_int = signal.signal(signal.SIGINT, stop)
    try:
        report = app.run_packets(
            counties=None if args.all else args.county,
            wave=args.wave,
            out=args.out,
            workers=args.workers,
            pdf=args.pdf,
            force=args.force,
            scheduler=args.scheduler,
            progress=not args.quiet,
            hold_dir=os.environ.get("ORB_PACKETS_TEST_HOLD"),
        )
    except KeyboardInterrupt as exc:
        print(
            "orb: stopped. Packets finished before the stop are kept; run the same command again to build the rest.",
            file=sys.stderr,
        )
        return getattr(exc, "exit_code", 130)
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)
    print(report.summary())
    return 0 if report.ok else 1
