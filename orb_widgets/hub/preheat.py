"""Kernels started ahead of time on a hub member's server, as on ``orb serve --pool``.

voila 0.5 keeps preheated kernels only when it runs as its own program
(``orb serve``); a member's server runs it as a Jupyter server extension,
where it starts a kernel per page opened. :class:`PreheatedKernelManager` is
voila's own pooling kernel manager (:mod:`voila.voila_kernel_manager`) made to
work there: this extension gives it what voila's program would (its
configuration, template paths, the server's address), adds voila's
request-info websocket (``<base>/voila/query/<kernel id>``: a pooled page
waits there for its request, :meth:`orb_widgets.settings.Settings.after_request`),
and fills the pools when the server starts. The page handler is voila's own:
it takes a kernel from the pool when one is ready, else starts one as before.
"""

from __future__ import annotations

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from jupyter_server.utils import url_path_join
from voila.voila_kernel_manager import voila_kernel_manager_factory

from ..pool import LoadingPagesKept, ReadyFirst

_Pooling = voila_kernel_manager_factory(AsyncMappingKernelManager, True, 0)


class PreheatedKernelManager(ReadyFirst, LoadingPagesKept, _Pooling):
    """voila's pooling kernel manager on a Jupyter server (pools filled once the server is set up)."""

    def __init__(self, **kwargs):
        # voila's own __init__ fills the pools at once, from attributes only its program has: later.
        AsyncMappingKernelManager.__init__(self, **kwargs)
        self._wait_at_startup = True
        self.notebook_data = {}
        self._pools = {}
        self.notebook_path = None
        self.root_dir = self.parent.root_dir if self.parent is not None else ""

    def fill_all(self) -> None:
        from pathlib import Path

        for nb in sorted(Path(self.root_dir).glob("*.ipynb")):
            if self._notebook_filter(Path(nb.name)):
                self.fill_if_needed(delay=0, notebook_name=nb.name)


def _jupyter_server_extension_points():
    return [{"module": "orb_widgets.hub.preheat"}]


def _load_jupyter_server_extension(server_app) -> None:
    manager = server_app.kernel_manager
    if not isinstance(manager, PreheatedKernelManager):
        return
    from voila.configuration import VoilaConfiguration
    from voila.paths import collect_template_paths
    from voila.request_info_handler import RequestInfoSocketHandler
    from voila.server_extension import _kernel_id_regex, load_config_file

    voila = VoilaConfiguration(parent=server_app)
    local = load_config_file()
    if local is not None:
        voila.update_config(local)
    # What voila's pool reads from its program (voila.app.Voila), given by this server.
    server_app.voila_configuration = voila
    server_app.template_paths = collect_template_paths(["voila", "nbconvert"], voila.template)
    server_app.server_url = server_app.base_url
    server_app.app = server_app.web_app
    server_app.web_app.add_handlers(
        ".*$", [(url_path_join(server_app.base_url, rf"/voila/query/{_kernel_id_regex}"), RequestInfoSocketHandler)]
    )
    manager.root_dir = server_app.root_dir
    manager.fill_all()
