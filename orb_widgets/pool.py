"""Kernels started ahead of time are handed out only once they are ready.

voila's pool (:mod:`voila.voila_kernel_manager`) hands a page the first kernel
of its step's pool even while that kernel is still starting and importing:
the page then waits for it, longer than for a kernel of its own when many are
starting at once (a server just started, a pool being refilled). :class:`ReadyFirst`
hands out only kernels that have run their notebook up to the page's request
(they are waiting on voila's request websocket); while none is, the page gets
a kernel of its own, exactly as without a pool. Used by ``orb serve``
(:mod:`orb_widgets.survey.app`) and the hub (:mod:`orb_widgets.hub.preheat`).

When the server stops, kernels nobody took are stopped at once rather than
asked to stop: jupyter_client interrupts a kernel before asking it, and a
kernel still starting, running its notebook or waiting for its request then
prints a traceback into the server's log (a KeyboardInterrupt, or a ZMQ error
as it answers on sockets already closed). A kept-ready kernel holds nothing
of anyone's (no page's request reached it), so nothing is lost.
"""

from __future__ import annotations

import asyncio


def _waiting() -> set[str]:
    from voila.request_info_handler import RequestInfoSocketHandler

    return set(RequestInfoSocketHandler._waiters)


class ReadyFirst:
    """Mixin for voila's pooling kernel manager: only kernels waiting for their request count."""

    def _ready(self, notebook_name: str) -> list[int]:
        waiting = _waiting()
        ready = []
        for i, task in enumerate(self._pools.get(notebook_name, [])):
            if (
                task.done()
                and not task.cancelled()
                and task.exception() is None
                and task.result().get("kernel_id") in waiting
            ):
                ready.append(i)
        return ready

    def get_pool_size(self, notebook_name: str) -> int:
        return len(self._ready(notebook_name))

    async def get_rendered_notebook(self, notebook_name: str, extra_kernel_env_variables: dict | None = None, **kwargs):
        ready = self._ready(notebook_name)
        if ready:  # voila takes the pool's first kernel: make it a ready one
            pool = self._pools[notebook_name]
            pool.insert(0, pool.pop(ready[0]))
        task, cells, kernel_id = await super().get_rendered_notebook(
            notebook_name, extra_kernel_env_variables or {}, **kwargs
        )
        self._page_kernels().add(kernel_id)
        return task, cells, kernel_id

    async def start_kernel(self, *args, **kwargs):
        # Called for a page when its pool has no ready kernel (voila fills pools through the base class).
        kernel_id = await super().start_kernel(*args, **kwargs)
        self._page_kernels().add(kernel_id)
        return kernel_id

    async def _initialize(self, notebook_path: str, kernel_id: str | None = None, **kwargs):
        if kernel_id is not None:  # voila's restart of a kernel it has
            return await super()._initialize(notebook_path, kernel_id, **kwargs)
        starting, task = self.__dict__.setdefault("_orb_starting", set()), asyncio.current_task()
        starting.add(task)  # a kernel for a pool, being started (see shutdown_all)
        try:
            return await super()._initialize(notebook_path, kernel_id, **kwargs)
        finally:
            starting.discard(task)

    async def shutdown_kernel(self, kernel_id: str, *args, **kwargs):
        try:
            return await super().shutdown_kernel(kernel_id, *args, **kwargs)
        finally:
            self._page_kernels().discard(kernel_id)

    async def shutdown_all(self, *args, **kwargs):
        """Stop the kernels nobody took first, killed rather than interrupted; then the others as voila does."""
        here = asyncio.get_running_loop()
        starting = self.__dict__.get("_orb_starting", set())
        for pool in self._pools.values():
            tasks, pool[:] = list(pool), []
            for task in tasks:
                if not task.done() and task.get_loop() is here:
                    if task not in starting:
                        task.cancel()  # still waiting out voila's refill delay: never start it
                    await asyncio.wait([task])  # one being started joins the kernels stopped below
        for kernel_id, starting_up in list(getattr(self, "_pending_kernels", {}).items()):
            if starting_up.get_loop() is here:
                await asyncio.wait([starting_up])
            elif kernel_id not in self:
                # Its start ran on the loop that has stopped (voila's own stop): it will never finish, and
                # stopping it would fail; the kernel ends itself once its server has gone.
                self._pending_kernels.pop(kernel_id, None)
        for kernel_id in set(self.list_kernel_ids()) - self._page_kernels():
            # Nothing of anyone's is in it (no page's request reached it). Once killed it runs no more
            # code, so the interrupt that shutdown_kernel sends next reaches nothing.
            kernel = self.get_kernel(kernel_id)
            if kernel.has_kernel:
                await kernel.provisioner.kill()
            try:
                await self.shutdown_kernel(kernel_id, now=True)
            except RuntimeError:
                pass  # already gone
        await super().shutdown_all(*args, **kwargs)

    def _page_kernels(self) -> set[str]:
        """Kernels a page has: taken from a pool, or started for a page."""
        return self.__dict__.setdefault("_orb_page_kernels", set())


#: Seconds a page's kernel is kept while its browser has not connected yet (the page is still
#: loading its scripts: a crowd opening one step on a busy machine, a slow phone). Once connected,
#: and the page closed, the server's idle time applies as before.
LOADING_PAGE_GRACE = 300


class LoadingPagesKept:
    """Mixin for the server's kernel manager: never cull the kernel of a page that is still loading.

    The idle culler shuts down a kernel with no browser connected once it has been idle for the
    server's idle time. A page's kernel is idle from the moment it has drawn the page; if the
    browser then needs longer than that to load voila's scripts and connect (thirty people opening
    a step at once on one machine), the page would never become usable. Such a kernel is kept
    until its browser connects, or for :data:`LOADING_PAGE_GRACE` seconds.
    """

    def notify_connect(self, kernel_id):
        self.__dict__.setdefault("_orb_connected", set()).add(kernel_id)
        return super().notify_connect(kernel_id)

    async def cull_kernel_if_idle(self, kernel_id):
        kernel = self._kernels.get(kernel_id)
        never_connected = kernel_id not in self.__dict__.get("_orb_connected", set())
        if never_connected and kernel is not None and getattr(kernel, "execution_state", None) != "dead":
            from datetime import timedelta

            from jupyter_server._tz import utcnow

            last = getattr(kernel, "last_activity", None)
            if last is not None and utcnow() - last < timedelta(seconds=LOADING_PAGE_GRACE):
                return None
        return await super().cull_kernel_if_idle(kernel_id)

    async def shutdown_kernel(self, kernel_id, *args, **kwargs):
        try:
            return await super().shutdown_kernel(kernel_id, *args, **kwargs)
        finally:
            self.__dict__.get("_orb_connected", set()).discard(kernel_id)


def ready_first_factory(factory):
    """Wrap :func:`voila.voila_kernel_manager.voila_kernel_manager_factory` so its pooling class is
    :class:`ReadyFirst` too, and every page's kernel is kept while the page loads
    (:class:`LoadingPagesKept`); the class keeps voila's name, so its configuration section still applies."""

    def make(base_class, preheat_kernel, default_pool_size, *args, **kwargs):
        cls = factory(base_class, preheat_kernel, default_pool_size, *args, **kwargs)
        mixins = (ReadyFirst, LoadingPagesKept) if preheat_kernel else (LoadingPagesKept,)
        return type(cls.__name__, (*mixins, cls), {})

    return make
