"""hrcoach: a terminal heart-rate session coach for Bluetooth LE chest straps."""

import logging

__version__ = "0.1.0"

# silent unless `-v`/`--log-file` configures it: no last-resort output over the screen, ours or
# bleak's (whose messages may quote what a device sent)
for _name in ("hrcoach", "bleak"):
    logging.getLogger(_name).addHandler(logging.NullHandler())
