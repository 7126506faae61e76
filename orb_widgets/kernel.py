"""What a browser may send to a served kernel: widget messages, never code.

Voila already tells jupyter_server to drop every client message that is not
a widget (comm) or kernel-info message. ``orb serve`` does not rely on that
alone: :class:`RestrictedWebsocketConnection` is installed as the kernel
websocket connection class and checks each incoming message itself, so an
``execute_request`` (code), ``inspect_request``, ``history_request`` (which
would reveal the notebook's own code), ``input_reply`` or control-channel
message from a page is dropped and logged before it reaches the kernel.

Widget values that pass through are still untrusted: every form and
workbook widget validates them on the kernel side (see ``widgets/form.py``).

This module is imported by the voila server process only (by name, from the
serve configuration); nothing else in ``orb_widgets`` imports it.
"""

from __future__ import annotations

import json

from jupyter_server.services.kernels.connection.base import deserialize_binary_message, deserialize_msg_from_ws_v1
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

#: The only message types a served page may send, all on the shell channel.
ALLOWED_FROM_BROWSER = frozenset({"comm_open", "comm_msg", "comm_close", "comm_info_request", "kernel_info_request"})


def peek(subprotocol: str | None, ws_msg) -> tuple[str | None, str | None]:
    """The ``(channel, msg_type)`` of a websocket message, or ``(None, None)`` if unreadable."""
    try:
        if subprotocol == "v1.kernel.websocket.jupyter.org":
            # Bound the offset table before reading it: a forged count must not stall the server.
            count = int.from_bytes(ws_msg[:8], "little")
            if not 3 <= count <= 64 or len(ws_msg) < 8 * (count + 1):
                return None, None
            channel, parts = deserialize_msg_from_ws_v1(ws_msg)
            header = json.loads(parts[0])
        else:
            msg = deserialize_binary_message(ws_msg) if isinstance(ws_msg, bytes) else json.loads(ws_msg)
            channel = msg.get("channel") or "shell"
            header = msg.get("header") or {}
        return channel, header.get("msg_type")
    except Exception:  # a malformed message is simply not allowed
        return None, None


class RestrictedWebsocketConnection(ZMQChannelsWebsocketConnection):
    """Kernel websocket that forwards widget messages only."""

    def handle_incoming_message(self, incoming_msg) -> None:
        channel, msg_type = peek(self.subprotocol, incoming_msg)
        if channel != "shell" or msg_type not in ALLOWED_FROM_BROWSER:
            self.log.warning(
                "Refused a %r message on channel %r from a browser for kernel %s", msg_type, channel, self.kernel_id
            )
            return
        super().handle_incoming_message(incoming_msg)
