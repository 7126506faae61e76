"""``python -m orb_widgets.packets --child FD``: build one packet in this brand-new process (the Dask route)."""

import sys

from .build import subprocess_main

if __name__ == "__main__" and "--child" in sys.argv:
    sys.exit(subprocess_main(sys.argv))
