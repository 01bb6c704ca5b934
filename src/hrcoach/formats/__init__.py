"""File formats, reader and writer side by side: capture, FIT, TCX, GPX, CSV, Polar HRM and
Sensor Logger. `files.load_recording` picks the reader for a file; `exports` is the registry of
writers. Pure file handling: no store, no sources, no screen."""
