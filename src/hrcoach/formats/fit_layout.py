"""FIT files at the byte level, before the SDK sees them: header, size and CRC of each chained
file, the message walk, and two repairs.

- A file the device did not finish writing (it stopped, or its battery died) is shorter than its
  header says, or its messages go on past the size its header still gives from an earlier
  moment: the complete messages it holds are kept (rebuilt as a finished file, with a note), the
  rest is lost. A file as long as it says, whose CRC does not match, is damaged inside: refused.
- Compressed-timestamp headers (old watches, e.g. FR70): the SDK does not decode them, so the
  record layer is rewritten with an explicit timestamp field (every other byte kept).
"""

from __future__ import annotations

import struct
from pathlib import Path

from fastcrc import crc16

from hrcoach.formats.recording import RecordingError


class Corrupt(Exception):
    pass


def _crc(data: bytes | bytearray, start: int, end: int) -> int:
    """FIT's CRC (CRC-16/ARC) of data[start:end], in native code: the SDK's pure-Python one
    took 0.35 s a megabyte, as long as decoding the file."""
    return crc16.arc(memoryview(data)[start:end])


def check(path: Path, data: bytes) -> tuple[bytes, str | None]:
    """The file's bytes as the SDK should read them, and a note when only part was readable.

    Raises RecordingError when the file is not FIT, is damaged inside, or holds no complete
    message."""
    if len(data) < 12 or data[8:12] != b".FIT" or data[0] not in (12, 14):
        raise RecordingError(f"{path}: not a FIT file")
    pos = 0
    while pos + 12 <= len(data) and data[pos + 8 : pos + 12] == b".FIT":
        size = data[pos]
        end = pos + size + struct.unpack_from("<I", data, pos + 4)[0]
        if end + 2 <= len(data) and _crc(data, pos, end) == struct.unpack_from("<H", data, end)[0]:
            pos = end + 2
            continue
        short = end + 2 > len(data)
        stop = complete_messages(data, pos + size, len(data))
        if not short and stop <= end:  # as long as it says, and no message past that: damaged
            raise RecordingError(f"{path}: corrupt FIT file (CRC mismatch)")
        if stop == pos + size:
            raise RecordingError(
                f"{path}: truncated FIT file ({len(data)} of {end + 2} bytes; no complete message)"
            )
        lost = len(data) - stop
        if lost == 2 and _crc(data, pos, stop) == struct.unpack_from("<H", data, stop)[0]:
            lost = 0  # finished after all, with its header left at an earlier size
        note = (
            "the file is cut short (the device did not finish writing it): imported its "
            f"{stop - pos - size} bytes of complete messages"
            + (f"; {lost} byte{'s' * (lost != 1)} after them cannot be read" if lost else "")
        )
        return data[:pos] + _finished(data[pos : pos + size], data[pos + size : stop]), note
    return data, None


def _finished(header: bytes, body: bytes) -> bytes:
    head = bytearray(header)
    struct.pack_into("<I", head, 4, len(body))
    if len(head) >= 14:
        struct.pack_into("<H", head, 12, _crc(head, 0, 12))
    chunk = bytes(head) + body
    return chunk + struct.pack("<H", _crc(chunk, 0, len(chunk)))


def complete_messages(data: bytes, pos: int, limit: int) -> int:
    """Where the run of complete, decodable-looking messages from `pos` ends (at most `limit`):
    before the first message that runs past `limit` or has no definition."""
    sizes: dict[int, int] = {}
    while pos < limit:
        head = data[pos]
        if head & 0x40 and not head & 0x80:  # definition message
            if pos + 6 > limit:
                break
            n = data[pos + 5]
            length = 6 + 3 * n
            if pos + length > limit:
                break
            size = sum(data[pos + 7 + 3 * i] for i in range(n))
            if head & 0x20:
                if pos + length + 1 > limit:
                    break
                m = data[pos + length]
                if pos + length + 1 + 3 * m > limit:
                    break
                size += sum(data[pos + length + 3 + 3 * j] for j in range(m))
                length += 1 + 3 * m
            sizes[head & 0x0F] = size
            pos += length
            continue
        local = (head >> 5) & 0x03 if head & 0x80 else head & 0x0F
        if local not in sizes or pos + 1 + sizes[local] > limit:
            break
        pos += 1 + sizes[local]
    return pos


def expand_compressed(data: bytes) -> bytes:
    """The same FIT file(s) with every compressed-timestamp header made a normal one."""
    out = bytearray()
    pos = 0
    while pos < len(data):
        size = data[pos]
        end = pos + size + struct.unpack_from("<I", data, pos + 4)[0]
        body = _rewrite_records(data, pos + size, end)
        header = bytearray(data[pos : pos + size])
        struct.pack_into("<I", header, 4, len(body))
        if size >= 14:
            struct.pack_into("<H", header, 12, _crc(header, 0, 12))
        chunk = bytes(header) + body
        out += chunk + struct.pack("<H", _crc(chunk, 0, len(chunk)))
        pos = end + 2
    return bytes(out)


def _rewrite_records(data: bytes, pos: int, end: int) -> bytes:
    out = bytearray()
    defs: dict[int, tuple[bytes, str, int, int, int | None]] = {}  # raw, endian, fields, size, ts at
    widened: set[int] = set()  # local types whose definition in `out` has the extra timestamp
    last = 0
    while pos < end:
        head = data[pos]
        if head & 0x40 and not head & 0x80:  # definition message
            local, n = head & 0x0F, data[pos + 5]
            sizes = [(data[pos + 6 + 3 * i], data[pos + 7 + 3 * i]) for i in range(n)]
            length, dev = 6 + 3 * n, 0
            if head & 0x20:
                m = data[pos + length]
                dev = sum(data[pos + length + 2 + 3 * j] for j in range(m))
                length += 1 + 3 * m
            fields = sum(s for _, s in sizes)
            at = [i for i, (num, s) in enumerate(sizes) if num == 253 and s == 4]
            ts_at = sum(s for _, s in sizes[: at[0]]) if at else None
            raw = data[pos : pos + length]
            defs[local] = (raw, ">" if data[pos + 2] else "<", fields, fields + dev, ts_at)
            widened.discard(local)
            out += raw
            pos += length
            continue
        local = (head >> 5) & 0x03 if head & 0x80 else head & 0x0F
        if local not in defs:
            raise Corrupt("a message before its definition")
        raw, endian, fields, size, ts_at = defs[local]
        if pos + 1 + size > end:
            raise Corrupt("a message runs past the end of the data")
        body = data[pos + 1 : pos + 1 + size]
        if head & 0x80:
            offset = head & 0x1F
            last = (last & ~0x1F) + offset + (0x20 if offset < (last & 0x1F) else 0)
            if local not in widened:
                n = raw[5]
                out += raw[:5] + bytes([n + 1]) + raw[6 : 6 + 3 * n] + b"\xfd\x04\x86" + raw[6 + 3 * n :]
                widened.add(local)
            out += bytes([local]) + body[:fields] + struct.pack(endian + "I", last) + body[fields:]
        else:
            if local in widened:
                out += raw
                widened.discard(local)
            if ts_at is not None:
                last = struct.unpack_from(endian + "I", body, ts_at)[0]
            out += data[pos : pos + 1 + size]
        pos += 1 + size
    return bytes(out)
