"""A crafted client: speaks to a served kernel over its websocket, as a hostile page could.

Used by the browser tests (to prove what the server refuses) and by
``benchmarks/bench_form.py`` (to drive many respondents at once).
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
import uuid

from websocket import WebSocketTimeoutException


def page_kernel_id(html: str) -> str:
    """The kernel id voila wrote into a rendered page."""
    m = re.search(r'<script id="jupyter-config-data" type="application/json">\s*(\{.*?\})\s*</script>', html, re.S)
    return json.loads(m.group(1))["kernelId"]


def open_page(url: str, timeout: float = 120) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode("utf-8")


#: The binary websocket protocol JupyterLab and voila pages speak (the default here is plain JSON).
V1 = "v1.kernel.websocket.jupyter.org"


class KernelChannel:
    """A crafted client: the page's kernel, spoken to directly over its websocket.

    ``v1=True`` speaks the binary protocol a browser page uses instead of JSON.
    """

    def __init__(self, served, kid: str, v1: bool = False):
        import websocket

        self.session = uuid.uuid4().hex
        url = served.url.replace("http://", "ws://") + f"api/kernels/{kid}/channels?session_id={self.session}"
        if served.token:
            url += f"&token={served.token}"
        self.ws = websocket.create_connection(url, timeout=10, subprotocols=[V1] if v1 else None)
        self.v1 = v1

    def send(self, msg_type: str, content: dict, channel: str = "shell") -> str:
        msg_id = uuid.uuid4().hex
        msg = {
            "header": {
                "msg_id": msg_id,
                "msg_type": msg_type,
                "username": "x",
                "session": self.session,
                "version": "5.3",
                "date": "",
            },
            "parent_header": {},
            "metadata": {},
            "content": content,
            "channel": channel,
            "buffers": [],
        }
        if self.v1:
            from jupyter_server.services.kernels.connection.base import serialize_msg_to_ws_v1

            self.ws.send_binary(serialize_msg_to_ws_v1(msg, channel, pack=lambda part: json.dumps(part).encode()))
        else:
            self.ws.send(json.dumps(msg))
        return msg_id

    def recv(self) -> dict:
        """The next message from the kernel, as a dict, whichever protocol is spoken."""
        raw = self.ws.recv()
        if not self.v1:
            return json.loads(raw)
        from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1

        channel, parts = deserialize_msg_from_ws_v1(raw)
        header, parent, metadata, content = (json.loads(part) for part in parts[:4])
        return {"channel": channel, "header": header, "parent_header": parent, "metadata": metadata, "content": content}

    def replies(self, parent: str, seconds: float = 3.0, until: str | None = None) -> list[dict]:
        out, deadline = [], time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.ws.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                msg = self.recv()
            except WebSocketTimeoutException:  # nothing more within the time asked; a closed socket raises
                break
            if msg.get("parent_header", {}).get("msg_id") == parent:
                out.append(msg)
                if until and msg["header"]["msg_type"] == until:
                    break
        return out

    def widget_states(self, seconds: float = 10.0) -> dict[str, dict]:
        pid = self.send("comm_info_request", {"target_name": "jupyter.widget"})
        reply = self.replies(pid, seconds=seconds, until="comm_info_reply")
        comms = [m for m in reply if m["header"]["msg_type"] == "comm_info_reply"][0]["content"]["comms"]
        asked = {self.send("comm_msg", {"comm_id": cid, "data": {"method": "request_state"}}): cid for cid in comms}
        states, deadline = {}, time.monotonic() + seconds
        while len(states) < len(asked) and time.monotonic() < deadline:
            self.ws.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                msg = self.recv()
            except WebSocketTimeoutException:  # nothing more within the time asked; a closed socket raises
                break
            cid = asked.get(msg.get("parent_header", {}).get("msg_id"))
            data = msg.get("content", {}).get("data", {})
            if cid and msg["header"]["msg_type"] == "comm_msg" and data.get("method") == "update":
                states[cid] = data["state"]
        return states

    def update(self, comm_id: str, state: dict) -> None:
        self.send("comm_msg", {"comm_id": comm_id, "data": {"method": "update", "state": state, "buffer_paths": []}})

    def click(self, comm_id: str) -> None:
        self.send("comm_msg", {"comm_id": comm_id, "data": {"method": "custom", "content": {"event": "click"}}})

    def close(self) -> None:
        self.ws.close()
