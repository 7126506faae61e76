"""The files a packet run reads: the template notebook, and the templates of a packet and of the index."""

from __future__ import annotations

from .. import templating
from ..resources import shipped

NOTEBOOK = shipped("notebooks") / "packet.ipynb"
TEMPLATES = templating.TEMPLATES
PACKET_TEMPLATE = templating.PACKET.name  # a packet page: nbconvert's template folder of that name
INDEX_TEMPLATE = templating.INDEX  # the statewide index page
