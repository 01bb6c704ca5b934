"""hrcoach: a terminal heart-rate session coach for Bluetooth LE chest straps."""

__version__ = "0.1.0"
