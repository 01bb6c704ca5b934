"""Issue #7: the readers under fuzzing. A damaged file gives a documented error (`CaptureError`,
`RecordingError`) or a recording; never another exception, never a hang.

What is fuzzed here and not elsewhere:

- the capture reader (`iter_capture`, `read_capture`, `load_recording`) on `.hrcap.jsonl` and
  `.hrcap.jsonl.gz`: byte flips, truncation, line deletion/duplication/swaps, and random JSON
  values in the fields of the header and of events;
- `load_recording` over the REAL files of `../shared/real_hr` in every format (FIT, TCX, HRM,
  Polar txt), plain and gzipped, and over the small GPX/TCX/HRM/txt samples and a CSV with line
  and cell mutations, and over corrupted gzip streams;
- every read runs under a hard time guard: more than `HANG_S` seconds fails the test as a hang
  (hypothesis' `deadline` reports slow examples before that).

The 0x2A37 decoder is fuzzed in tests/test_protocol.py
(`test_decoder_never_raises_anything_but_protocol_error`); FIT bytes through the SDK in
tests/test_import_fit.py (`test_fuzz_fit`); the sample imports per reader in tests/test_importers.py.

What fuzzing found (and was then fixed) is kept at the end as plain examples.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import math
import struct
import threading
import time
import zlib
from collections.abc import Callable
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context, event

from hrcoach.engine.accounting import Params
from hrcoach.engine.batch import SampleArrays, summarize
from hrcoach.formats.capture import CaptureError, RawNotification, iter_capture, read_capture
from hrcoach.formats.files import load_recording
from hrcoach.formats.recording import Recording, RecordingError
from hrcoach.models import BatteryRead, HeartRateSample, LinkChanged, LinkState
from tests.conftest import REAL_HR, stream

T = TypeVar("T")
HANG_S = 5.0  # a read that takes longer than this is a hang
DATA = Path(__file__).parent / "data" / "imports"
FUZZ = settings(
    max_examples=50,
    deadline=timedelta(seconds=2.5),  # ~50x a normal read: only pathological slowness trips it
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
PARAMS = Params(hrmax=185)


# ------------------------------------------------------------------ the contract


def bounded(read: Callable[[], T], limit: float = HANG_S) -> T:
    """Run `read` on a daemon thread; fail as a hang if it takes more than `limit` seconds (a
    thread, not an alarm: a read stuck in C code never returns to a signal handler)."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = read()
        except BaseException as exc:  # handed to the test thread as is
            box["error"] = exc

    worker = threading.Thread(target=run, name="fuzz-read", daemon=True)
    started = time.perf_counter()
    worker.start()
    worker.join(limit)
    took = time.perf_counter() - started
    if worker.is_alive() or took > limit:
        pytest.fail(f"hang: the read took more than {limit:g} s (still running: {worker.is_alive()})")
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def test_the_hang_guard() -> None:
    with pytest.raises(pytest.fail.Exception, match=r"hang: the read took more than 0\.1 s"):
        bounded(lambda: time.sleep(0.5), limit=0.1)
    with pytest.raises(RecordingError, match="no such file"):  # errors come through as raised
        bounded(lambda: load_recording(Path("/nonexistent/x.csv")))
    assert bounded(lambda: 42) == 42


def outcome(what: str) -> None:
    """Counted in `pytest --hypothesis-show-statistics`: how often a read succeeds or is refused."""
    if currently_in_test_context():
        event(what)


def documented(exc: Exception, path: Path) -> None:
    msg = str(exc)
    assert msg.startswith(str(path)), msg
    assert "\n" not in msg, msg


def sane_time(t: object) -> None:
    assert isinstance(t, float) and math.isfinite(t) and t >= 0, t


def check_capture(path: Path) -> None:
    """iter_capture (lazily) and read_capture: CaptureError or well-formed events."""
    try:
        header, events = bounded(lambda: iter_capture(path))
        listed = bounded(lambda: list(events))
    except CaptureError as exc:
        outcome("capture: CaptureError")
        documented(exc, path)
        with pytest.raises(CaptureError):
            bounded(lambda: read_capture(path))
        return
    outcome("capture: read")
    assert header.started_at.tzinfo is not None and header.started_at.utcoffset() == timedelta(0)
    assert isinstance(header.device, dict)
    assert repr(bounded(lambda: read_capture(path))) == repr((header, listed))  # repr: NaN in `device`
    for ev in listed:
        sane_time(ev.t)
        if isinstance(ev, RawNotification):
            assert isinstance(ev.data, bytes)
        elif isinstance(ev, LinkChanged):
            assert isinstance(ev.state, LinkState) and isinstance(ev.detail, str)
        else:
            assert isinstance(ev, BatteryRead) and 0 <= ev.percent <= 100


def check_recording(path: Path, *, needs_samples: bool = True) -> Recording | None:
    """load_recording: RecordingError or a recording whose samples the engine can summarize."""
    try:
        rec = bounded(lambda: load_recording(path))
    except RecordingError as exc:
        outcome("recording: RecordingError")
        documented(exc, path)
        return None
    outcome("recording: read")
    assert isinstance(rec, Recording)
    samples = rec.samples
    assert samples or not needs_samples
    for s in samples:
        sane_time(s.t)
        assert isinstance(s.bpm, int) and s.bpm >= 0, s
        assert all(math.isfinite(v) for v in s.rr_ms), s
    if samples:
        summary = summarize(SampleArrays.from_samples(samples), PARAMS)
        assert summary.samples_total == len(samples)
    return rec


# ------------------------------------------------------------------ mutations


def mutate_bytes(data: bytes, draw: st.DataObject) -> bytes:
    """Up to five edits: set a byte, cut, delete/duplicate/swap a line, insert bytes."""
    out = bytearray(data)
    ops = draw.draw(
        st.lists(st.sampled_from(["set", "cut", "delete", "duplicate", "swap", "insert"]), max_size=5),
        label="ops",
    )
    for op in ops:
        if not out:
            break
        i = draw.draw(st.integers(0, len(out) - 1), label=f"{op} at")
        if op == "set":
            out[i] = draw.draw(st.integers(0, 255))
        elif op == "cut":
            del out[i:]
        elif op == "insert":
            out[i:i] = draw.draw(st.binary(min_size=1, max_size=8))
        else:
            start = out.rfind(b"\n", 0, i) + 1
            end = out.find(b"\n", i)
            end = len(out) if end < 0 else end + 1
            line = bytes(out[start:end])
            if op == "delete":
                del out[start:end]
            elif op == "duplicate":
                out[start:start] = line
            else:  # swap with the next line
                nxt = out.find(b"\n", end)
                nxt = len(out) if nxt < 0 else nxt + 1
                out[start:nxt] = out[end:nxt] + line
    return bytes(out)


# Random JSON for the fields, absurd numbers included (infinite or 1e300-second times were bugs
# once; test_known_crashes keeps those inputs).
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.just(math.nan)
    | st.text(max_size=12)
    | st.binary(max_size=12).map(bytes.hex)
    | st.sampled_from([s.value for s in LinkState])
    | st.datetimes(timezones=st.none() | st.just(UTC)).map(lambda d: d.isoformat())
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda kids: st.lists(kids, max_size=3) | st.dictionaries(st.text(max_size=6), kids, max_size=3),
    max_leaves=6,
)
KEYS = ["t", "hrm", "link", "battery", "detail", "hrcoach_capture", "device", "started_at", "x"]


def mutate_fields(lines: list[str], draw: st.DataObject) -> list[str]:
    """Put random JSON values into (or remove) fields of a few lines, header included."""
    for _ in range(draw.draw(st.integers(0, 4), label="field edits")):
        k = draw.draw(st.integers(0, len(lines) - 1), label="line")
        try:
            obj = json.loads(lines[k])
        except ValueError:
            continue
        if not isinstance(obj, dict):
            continue
        key = draw.draw(st.sampled_from(sorted(obj) + KEYS), label="key")
        if draw.draw(st.booleans(), label="remove"):
            obj.pop(key, None)
        else:
            obj[key] = draw.draw(JSON_VALUES, label="value")
        lines[k] = json.dumps(obj) + "\n"
    return lines


CAPTURE_BASES = [
    "walk_5min",
    "dropout_reconnect",
    "startup_glitches",
    "uint16_energy",
    "rr_backlog",
    "contact_lost",
]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


# ------------------------------------------------------------------ captures


@settings(FUZZ, max_examples=80)
@given(draw=st.data())
def test_fuzz_capture_reader(draw: st.DataObject, scratch: Path) -> None:
    """Mutated fixture captures, plain and gzipped: CaptureError/RecordingError or a good read."""
    name = draw.draw(st.sampled_from(CAPTURE_BASES), label="fixture")
    lines = stream(name).read_text().splitlines(keepends=True)[:400]
    data = mutate_bytes("".join(mutate_fields(lines, draw)).encode(), draw)
    gz = draw.draw(st.booleans(), label="gzip")
    if gz and draw.draw(st.booleans(), label="cut the gzip stream"):
        packed = gzip.compress(data, mtime=0)
        raw = packed[: draw.draw(st.integers(0, len(packed)))]  # truncated gzip: EOFError inside
    else:
        raw = gzip.compress(data, mtime=0) if gz else data
    path = scratch / f"{name}.hrcap.jsonl{'.gz' if gz else ''}"
    path.write_bytes(raw)
    check_capture(path)
    check_recording(path, needs_samples=False)


@FUZZ
@given(
    name=st.sampled_from(CAPTURE_BASES),
    edits=st.lists(st.tuples(st.integers(0, 2**20), st.integers(0, 255)), min_size=1, max_size=4),
)
@example(name="walk_5min", edits=[(10, 0x07)])  # first deflate block: BTYPE 11, "invalid block type"
def test_fuzz_capture_gzip_bytes(name: str, edits: list[tuple[int, int]], scratch: Path) -> None:
    """Byte edits in the compressed stream of a gzipped capture."""
    packed = bytearray(gzip.compress(stream(name).read_bytes(), mtime=0))
    for i, value in edits:
        packed[i % len(packed)] = value
    path = scratch / f"{name}.hrcap.jsonl.gz"
    path.write_bytes(bytes(packed))
    check_capture(path)
    check_recording(path, needs_samples=False)


# ------------------------------------------------------------------ real files, every format

REAL_BASES = {
    "fit": [
        "dtcooper_python-fitparse__garmin-fenix-5-walk.fit",
        "tormoder_fit__unterminated-strings.fit",
        "dtcooper_python-fitparse__2013-02-06-12-11-14.fit",
        "dtcooper_python-fitparse__2015-10-13-08-43-15.fit",
        "dtcooper_python-fitparse__activity-unexpected-eof.fit",
        "dtcooper_python-fitparse__activity-filecrc.fit",
    ],
    "tcx": [
        "vkurup_python-tcxparser__test.tcx",
        "alenrajsp_tcxreader__cross-country-skiing_activity_1.tcx",
        "vkurup_python-tcxparser__no_hr.tcx",
    ],
    "hrm": ["rhenanbartels_hrv__exercise_rri.hrm", "rhenanbartels_hrv__noisy_rri.hrm"],
    "polar-txt": ["obss_BIOBSS__Polar_Sense_HR.txt"],
}  # the small ones of each format: the large FIT files take 0.5-2 s a read unmutated


def fix_fit_crc(data: bytes) -> bytes:
    """Recompute a FIT file's data size and trailing CRC so that edits reach the decoder."""
    from garmin_fit_sdk import CrcCalculator

    if len(data) < 16 or data[0] not in (12, 14):
        return data
    out = bytearray(data)
    struct.pack_into("<I", out, 4, len(out) - out[0] - 2)
    return bytes(out[:-2]) + struct.pack("<H", CrcCalculator.calculate_crc(out, 0, len(out) - 2))


@pytest.mark.parametrize("fmt", sorted(REAL_BASES))
def test_fuzz_real_files(fmt: str, scratch: Path) -> None:
    """Mutated real recordings of each format, plain or gzipped: RecordingError or a usable one."""
    present = [REAL_HR / n for n in REAL_BASES[fmt] if (REAL_HR / n).exists()]
    if not present:
        pytest.skip(f"{REAL_HR} is absent")
    bases = {p.name: p.read_bytes() for p in present}

    @FUZZ
    @given(draw=st.data())
    def fuzz(draw: st.DataObject) -> None:
        name = draw.draw(st.sampled_from(sorted(bases)), label="file")
        data = mutate_bytes(bases[name], draw)
        if fmt == "fit" and draw.draw(st.booleans(), label="fix crc"):
            data = fix_fit_crc(data)
        gz = draw.draw(st.integers(0, 3), label="gzip") == 0
        path = scratch / f"real-{fmt}{Path(name).suffix}{'.gz' if gz else ''}"
        path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
        check_recording(path)

    fuzz()


# ------------------------------------------------------------------ small samples, CSV, gzip


def sample_csv() -> bytes:
    rows = ["t_s,bpm,rr_ms"]
    samples = [e for e in load_recording(stream("rr_backlog")).events if isinstance(e, HeartRateSample)]
    for s in samples[:120]:
        rows.append(f"{s.t:.3f},{s.bpm}," + " ".join(f"{v:.0f}" for v in s.rr_ms))
    return ("\n".join(rows) + "\n").encode()


SMALL = {p.name: p.read_bytes() for p in sorted(DATA.iterdir())} | {"samples.csv": sample_csv()}
# Cell values for the CSV, including the non-finite numbers that were once bugs.
CELLS = ["", "x", "-1", "0", "1e3", "255", "65536", "0.5", "12 34", "#", "300;200", '"1,2"', "١٢٠"]
CELLS += ["nan", "inf", "-inf", "1e300", "1" * 400]


def mutate_csv_cells(data: bytes, draw: st.DataObject) -> bytes:
    lines = data.decode().split("\n")
    for _ in range(draw.draw(st.integers(0, 3), label="cell edits")):
        k = draw.draw(st.integers(0, len(lines) - 1), label="row")
        cells = lines[k].split(",")
        j = draw.draw(st.integers(0, len(cells) - 1), label="column")
        cells[j] = draw.draw(st.sampled_from(CELLS), label="cell")
        lines[k] = ",".join(cells)
    return "\n".join(lines).encode()


@FUZZ
@given(draw=st.data())
def test_fuzz_small_samples_and_csv(draw: st.DataObject, scratch: Path) -> None:
    """The GPX/TCX/HRM/txt samples and a CSV, mutated, plain or gzipped."""
    name = draw.draw(st.sampled_from(sorted(SMALL)), label="sample")
    data = SMALL[name]
    if name.endswith(".csv"):
        data = mutate_csv_cells(data, draw)
    data = mutate_bytes(data, draw)
    gz = draw.draw(st.booleans(), label="gzip")
    path = scratch / f"small-{name}{'.gz' if gz else ''}"
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    check_recording(path)


@FUZZ
@given(
    name=st.sampled_from(sorted(SMALL)),
    edits=st.lists(st.tuples(st.integers(0, 2**20), st.integers(0, 255)), min_size=1, max_size=4),
)
@example(name="samples.csv", edits=[(10, 0x07)])  # "invalid block type": zlib.error inside gzip
def test_fuzz_gzip_streams_of_other_formats(name: str, edits: list[tuple[int, int]], scratch: Path) -> None:
    """Byte edits in the compressed stream of a gzipped import: always RecordingError or a read."""
    packed = bytearray(gzip.compress(SMALL[name], mtime=0))
    for i, value in edits:
        packed[i % len(packed)] = value
    path = scratch / f"gz-{name}.gz"
    path.write_bytes(bytes(packed))
    check_recording(path)


# ------------------------------------------------------------------ what fuzzing found

HEADER = '{"hrcoach_capture": 1, "device": {}, "started_at": "2026-01-01T00:00:00Z"}\n'
GOOD_EVENT = '{"t": 1.0, "hrm": "0650"}\n'


def capture_with(event_line: str) -> bytes:
    return (HEADER + GOOD_EVENT + event_line + "\n").encode()


def csv_with(row: str) -> bytes:
    return f"t_s,bpm,rr_ms\n0.5,120,\n{row}\n2,121,\n".encode()


def tcx_with_time(when: str) -> bytes:
    return (DATA / "two_activities.tcx").read_text().replace("2024-05-02T17:00:00Z", when).encode()


def corrupt_gzip_capture() -> bytes:
    packed = bytearray(gzip.compress(stream("walk_5min").read_bytes(), mtime=0))
    packed[10] = 0x07  # BFINAL=1, BTYPE=11: a reserved block type, rejected by every inflater
    return bytes(packed)


def found(name: str, content: bytes, ident: str, reason: str, raises: type[BaseException]) -> Any:
    """An input fuzzing once broke the product with `raises` (the reason says how); fixed since:
    the same exception again fails the test with that reason."""
    return pytest.param(name, content, raises, reason, id=ident)


def fine(name: str, content: bytes, ident: str) -> Any:
    """An input that never broke anything: an anchor next to the bugs."""
    return pytest.param(name, content, None, "", id=ident)


CAP, CSV = "t.hrcap.jsonl", "t.csv"
POLAR_OVERFLOW = b"Phone timestamp;HR [bpm]\n0001-01-01T00:00:00+01:00;120\n0001-01-01T00:00:01+01:00;121\n"
KNOWN: list[Any] = [
    # fine today: anchors next to the bugs
    fine(CAP, capture_with('{"t": NaN, "hrm": "0650"}'), "capture-t-nan"),
    fine(CAP, capture_with('{"t": -1e400, "hrm": "0650"}'), "capture-t-minus-inf"),
    fine(CAP, capture_with('{"t": 1e9, "hrm": "0650"}'), "capture-t-1e9"),
    fine(CAP, capture_with('{"t": 1.5, "link": []}'), "capture-link-unhashable"),
    fine(CAP, capture_with('{"t": 1.5, "battery": 1e2}'), "capture-battery-float"),
    fine(CSV, csv_with("1,120,-5"), "csv-rr-negative"),
    fine("t.txt", b"Phone timestamp;HR [bpm]\n2024-01-01T00:00:00;nan\n", "polar-bpm-nan"),
    # bugs fuzzing found, fixed since: each names the exception it raised then
    found("t.hrcap.jsonl.gz", corrupt_gzip_capture(), "capture-gzip-corrupt",
          "capture.iter_capture: zlib.error from a corrupt .gz escapes (not a CaptureError)", zlib.error),
    found(CAP, capture_with('{"t": 1e400, "hrm": "0650"}'), "capture-t-inf",
          "capture._parse_event accepts t = inf (1e400 is valid JSON); the engine then raises "
          "OverflowError in round(t * 1000): `hrcoach analyze` tracebacks", AssertionError),
    found(CAP, capture_with('{"t": 1e300, "hrm": "0650"}'), "capture-t-1e300",
          "capture._parse_event accepts t = 1e300; SampleArrays.from_samples then raises "
          "OverflowError (ms beyond int64): `hrcoach import` tracebacks", OverflowError),
    found(CAP, capture_with('{"t": ' + "1" * 400 + ', "hrm": "0650"}'), "capture-t-huge-int",
          "capture._parse_event: float(t) of a 400-digit integer raises OverflowError", OverflowError),
    found(CAP, capture_with('{"t": ' + "1" * 5000 + ', "hrm": "0650"}'), "capture-t-5000-digits",
          "capture._parse_event: json.loads raises a plain ValueError (int digit limit); only "
          "JSONDecodeError is caught", ValueError),
    found(CAP, capture_with('{"t": 2.0, "hrm": ' + "[" * 100_000 + "]" * 100_000 + "}"),
          "capture-deep-nesting",
          "capture._parse_event: json.loads raises RecursionError on deeply nested JSON", RecursionError),
    found(CAP, (HEADER.replace("2026-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00") + GOOD_EVENT).encode(),
          "capture-started-at-overflow",
          "capture._parse_header: astimezone(UTC) raises OverflowError before 0001-01-01 UTC", OverflowError),
    found(CSV, csv_with("1,nan,"), "csv-bpm-nan",
          "csv_read.read_text: int(nan) raises a plain ValueError", ValueError),
    found(CSV, csv_with("1,inf,"), "csv-bpm-inf",
          "csv_read.read_text: int(inf) raises OverflowError", OverflowError),
    found(CSV, csv_with("nan,120,"), "csv-t-nan",
          "csv_read.read_text accepts t_s = nan (nan < 0 is False); the engine then raises "
          "ValueError in round(t * 1000)", AssertionError),
    found(CSV, csv_with("inf,120,"), "csv-t-inf",
          "csv_read.read_text accepts t_s = inf; the engine then raises OverflowError", AssertionError),
    found(CSV, csv_with("1e300,120,"), "csv-t-1e300",
          "csv_read.read_text accepts t_s = 1e300; SampleArrays.from_samples then raises "
          "OverflowError (ms beyond int64): `hrcoach import` tracebacks", OverflowError),
    found(CSV, csv_with("1,120,nan inf"), "csv-rr-nan-inf",
          "csv_read.read_text accepts rr_ms nan and inf (nan <= 0 is False); the engine counts "
          "them as good RR intervals", AssertionError),
    found("t.txt", POLAR_OVERFLOW, "polar-txt-time-overflow",
          "polar_txt_read.read_text: astimezone(UTC) raises OverflowError", OverflowError),
    found("t.tcx", tcx_with_time("0001-01-01T00:00:00+01:00"), "tcx-time-overflow",
          "tcx_read.parse_time (GPX uses it too): astimezone(UTC) raises OverflowError", OverflowError),
]  # fmt: skip


@pytest.mark.parametrize(("name", "content", "raised", "reason"), KNOWN)
def test_known_crashes(
    name: str, content: bytes, raised: type[BaseException] | None, reason: str, tmp_path: Path
) -> None:
    """Each input is refused with the documented error, or read into samples the engine can use;
    a bug fixed since that comes back is named."""
    path = tmp_path / name
    path.write_bytes(content)
    try:
        if name.endswith((".hrcap.jsonl", ".hrcap.jsonl.gz")):
            check_capture(path)
            check_recording(path, needs_samples=False)
        else:
            check_recording(path)
    except BaseException as exc:
        if raised is not None and isinstance(exc, raised):
            pytest.fail(f"regression: {reason} ({type(exc).__name__}: {exc})")
        raise


# ------------------------------------------------------------------ memory


MEMORY_PER_BYTE = 32  # peak Python allocation per byte of (decompressed) input, at most
MEMORY_FLOOR = 4 * 2**20  # ... plus this much for any file
# Measured (best case, unmutated): 2.5-8.6x for inputs over 100 kB (TCX, a 4 MB gzip bomb, a
# 1 MB CSV cell); 0.26-1.4 MiB for small files. Reading with read(MAX_BYTES + 1) once set aside
# 256 MiB for a 243-byte file. Garmin's FIT SDK loads about 60 MiB of profile tables on first
# use, once per process: the test loads every format once before it measures.


def peak_bytes(read: Callable[[], object]) -> int:
    """The peak of Python allocations while `read()` runs (tracemalloc)."""
    import tracemalloc

    tracemalloc.start()
    try:
        with contextlib.suppress(RecordingError):
            read()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# Inputs that claim more than they hold: a CSV line a million cells wide, a capture line with a
# megabyte payload, a gzip stream that inflates 1000-fold, an HRM with a huge header count.
CLAIMS = {
    "wide.csv": b"t_s,bpm,rr_ms\n" + b"0.0,120," + b"1 " * 500_000 + b"\n",
    "long.hrcap.jsonl": b'{"hrcoach_capture": 1, "device": {}, "started_at": "2026-01-01T00:00:00Z"}\n'
    + b'{"t": 1.0, "hrm": "'
    + b"16" * 500_000
    + b'"}\n',
    "bomb.csv.gz": gzip.compress(b"t_s,bpm\n" + b"0" * 4_000_000, mtime=0),
}


REAL_FIT = {
    p.name: p.read_bytes()
    for n in REAL_BASES["fit"]
    if (p := REAL_HR / n).exists() and p.stat().st_size < 20_000
}


@pytest.fixture(scope="module")
def warm(scratch: Path) -> None:
    """Every reader loaded once (the FIT SDK's tables are a one-time cost, not the input's)."""
    for name, data in (SMALL | REAL_FIT).items():
        path = scratch / f"warm-{name}"
        path.write_bytes(data)
        with contextlib.suppress(RecordingError):
            load_recording(path)


def inflated(data: bytes) -> int:
    """How many bytes a (possibly damaged) gzip stream gives before it ends or breaks."""
    total = 0
    with contextlib.suppress(OSError, EOFError, zlib.error), gzip.GzipFile(fileobj=io.BytesIO(data)) as f:
        while chunk := f.read(65536):  # as the reader reads it: every member, until it breaks
            total += len(chunk)
    return total


@settings(FUZZ, max_examples=40)
@given(draw=st.data())
def test_fuzz_reads_stay_within_a_memory_bound(warm: None, draw: st.DataObject, scratch: Path) -> None:
    """No input makes a reader hold more than MEMORY_PER_BYTE times its size (+ a floor): what
    a file claims (counts, sizes, lengths) is never trusted for an allocation."""
    pool = SMALL | CLAIMS | REAL_FIT
    name = draw.draw(st.sampled_from(sorted(pool)), label="input")
    data = mutate_bytes(pool[name], draw)
    path = scratch / f"mem-{name}"
    path.write_bytes(data)
    size = max(len(data), inflated(data)) if name.endswith(".gz") else len(data)
    peak = peak_bytes(lambda: bounded(lambda: load_recording(path)))
    assert peak <= MEMORY_PER_BYTE * size + MEMORY_FLOOR, f"{name}: {peak / 2**20:.1f} MiB for {size} bytes"


def test_a_csv_cell_over_the_csv_modules_field_limit_is_a_recording_error(scratch: Path) -> None:
    """Found by the memory fuzz: csv.Error escaped the CSV reader (a traceback, not a line). A
    quoted cell runs over many short lines, so that no one line is over the line bound."""
    path = scratch / "wide-cell.csv"
    path.write_bytes(b't_s,bpm,rr_ms\n0.0,120,"' + b"1 " * 1000 + (b"\n" + b"1 " * 1000) * 100 + b'"\n')
    with pytest.raises(RecordingError, match=r"wide-cell\.csv:\d+: not readable as CSV") as err:
        load_recording(path)
    documented(err.value, path)


def test_a_csv_line_over_the_line_bound_is_refused_before_it_is_held(scratch: Path) -> None:
    path = scratch / "wide-line.csv"
    path.write_bytes(CLAIMS["wide.csv"])
    with pytest.raises(RecordingError, match=r"wide-line\.csv:2: a line over 64 KiB") as err:
        load_recording(path)
    documented(err.value, path)
