"""`UsageError`, in a module of its own so that what `hrcoach.cli` itself imports (logstore) can
raise it without importing the package back (tests/test_layers.py: no import cycles)."""


class UsageError(Exception):
    """Bad input from the user: printed as one line, exit code 2."""
