"""Where the survey handlers run: beside voila, inside jupyter_server, or on their own.

* ``orb serve`` starts :class:`OrbVoila`, voila with the survey routes added,
  so open links are served on the workbook's port.
* Any jupyter_server (JupyterLab, a JupyterHub single-user server) serves them
  with ``--ServerApp.jpserver_extensions="{'orb_widgets.survey': True}"``
  (:func:`load_jupyter_server_extension`).
* ``orb serve --form`` runs :func:`main`: a tornado server with only the survey
  routes, for any number of counties: no workbook, no files, no kernels.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys

import tornado.web

from ..app import App
from ..logs import log_request, make_private
from ..settings import Settings
from .handlers import survey_handlers
from .rooms import room_handlers
from .service import Survey, SurveyConfig

#: Connections the kernel holds for the server while it is busy: a link sent to a whole staff at
#: 9:00 brings hundreds of sends in the same second, and tornado's default (128) resets the rest.
BACKLOG = 1024


def config_app(config: SurveyConfig) -> App:
    """The server's application object: its settings, read here once, with the ``SurveyConfig``'s workspace and
    database first (``orb serve`` writes them; elsewhere ``$ORB_WORKSPACE`` / ``$ORB_DATABASE_URL``)."""
    return App(Settings.from_env(workspace=config.workspace or None, database_url=config.database_url or None))


def make_app(survey: Survey) -> tornado.web.Application:
    """A tornado application serving the survey links and nothing else."""
    make_private(handlers=False)  # tornado's own lines about requests hold no address, no link
    handlers = [*survey_handlers(survey), *room_handlers(survey), (r"/", _Home), (r".*", _NotFound)]
    return tornado.web.Application(
        handlers,
        xsrf_cookies=True,
        xsrf_cookie_kwargs={"httponly": True, "samesite": "Lax"},
        log_function=log_request,
        compress_response=True,
    )


class _Home(tornado.web.RequestHandler):
    def get(self):
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish("This server answers survey and room links only. Please use the whole link you were sent.\n")


class _NotFound(tornado.web.RequestHandler):
    def prepare(self):
        raise tornado.web.HTTPError(404)


def load_jupyter_server_extension(serverapp) -> None:
    """Add the survey routes to a running jupyter_server."""
    config = SurveyConfig(parent=serverapp)
    survey = Survey.from_app(config_app(config), config, base_url=serverapp.base_url)
    serverapp.web_app.add_handlers(".*$", [*survey_handlers(survey), *room_handlers(survey)])
    serverapp.log.info("ORB survey links served at %ssurvey/<link>", serverapp.base_url)


_load_jupyter_server_extension = load_jupyter_server_extension


def orb_voila_main() -> None:
    """``python -m orb_widgets.survey.app voila …``: voila with the survey routes beside it."""
    import voila.app
    from voila.app import Voila

    from ..pool import ready_first_factory

    # Kernels kept ready are handed out once ready, never while still starting (orb_widgets.pool).
    voila.app.voila_kernel_manager_factory = ready_first_factory(voila.app.voila_kernel_manager_factory)

    class OrbVoila(Voila):
        def init_handlers(self):
            config = SurveyConfig(parent=self)
            survey = Survey.from_app(config_app(config), config, base_url=self.base_url)
            return [*survey_handlers(survey), *room_handlers(survey), *super().init_handlers()]

        def init_settings(self):
            # jupyter_server's request log names the client's address: ours does not.
            return {**super().init_settings(), "log_function": log_request}

        def start(self):
            make_private(self.log, logging.getLogger())  # before voila logs its address and token
            super().start()

    OrbVoila.launch_instance(sys.argv[2:])


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["voila"]:
        orb_voila_main()
        return 0
    ap = argparse.ArgumentParser(prog="orb-survey-server", description="Serve ORB survey links only.")
    ap.add_argument("--workspace", default=None)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8866)
    ap.add_argument("--burst", type=int, default=None)
    ap.add_argument("--per-minute", type=float, default=None)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="[%(asctime)s %(name)s] %(message)s")
    make_private(logging.getLogger())
    config = SurveyConfig(workspace=args.workspace or "")
    if args.burst is not None:
        config.burst = args.burst
    if args.per_minute is not None:
        config.per_minute = args.per_minute

    async def serve():
        app = make_app(Survey.from_app(config_app(config), config))
        server = app.listen(args.port, args.host, xheaders=False, backlog=BACKLOG)
        logging.getLogger("orb.survey").info("survey links served on port %s at /survey/<link>", args.port)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
        server.stop()

    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())


# ---------------------------------------------------------------- orb serve --form
def launch_form(app: App, county: str | None = None, wave: str | None = None, port: int = 8866, log_path=None):
    """Start the survey-only server in the background; return a :class:`~orb_widgets.proc.Served`."""
    import shutil
    from pathlib import Path

    from .. import proc
    from ..exceptions import OrbError

    store = app.store
    if county:  # say now, not in front of a respondent, that this county's survey cannot be answered
        name = store.county(county).name
        store.current_instrument(name)
        if not any(link.is_open for link in store.links(name)):
            raise OrbError(
                f'{name} has no open survey link; open one with: orb survey open --county "{name}"'
                + (f" --wave {wave}" if wave else "")
            )
    runtime = proc.runtime_folder("orb-form-")
    log_path = Path(log_path) if log_path else runtime / "survey.log"
    log = open(log_path, "ab")
    argv = [sys.executable, "-m", "orb_widgets.survey.app", "--host", proc.HOST, "--port", str(port)]
    # The server's settings are the app's (its workspace and database), not whatever the environment says.
    process = proc.start(argv, env=proc.child_env(app.settings.with_(form_county="", form_wave="")), log=log)
    served = proc.Served(process, f"http://{proc.HOST}:{port}/", "", runtime, log_path, log)
    try:
        served.wait_listening(probe="")
    except BaseException:
        served.stop()
        shutil.rmtree(runtime, ignore_errors=True)
        raise
    return served


def print_open_links(store, base_url: str) -> None:
    from .flyer import link_url

    links = [link for link in store.links() if link.is_open]
    print(f"Serving survey links only (no workbook) at {base_url}")
    for link in links:
        print(f"  {link.county}, wave {link.wave}: {link_url(base_url, link.token)}")
    if not links:
        print('  No link is open yet: open one with  orb survey open --county "NAME"  (it is served at once).')
