"""Where a CSV export's data rows are in the file: the line each starts on.

Problems are found on data rows (the reader's 1st, 2nd… row); a person fixing the
export opens it in an editor, which numbers lines, the header being line 1. The two
differ after a quoted value that spans lines, an empty line (the reader skips it) or a
line the reader could not take (wrong number of fields, skipped and reported as E026).
A record spanning lines is given the line it starts on.

The file is scanned only when a problem needs its lines, a block at a time, with numpy:
a line break ends a record unless it is inside quotes. A quote counts when it can be
one that opens or closes a quoted value (at a field's edge, or doubled inside one); a
quote inside an unquoted value (`5" screen`) is a character like any other, as the
reader takes it. When the records found do not add up to the rows read, the lines are
unknown and problems keep naming rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from supportkpi.io.sources import Malformed, Source

BLOCK = 16 << 20  # bytes scanned at a time
LF, CR, QUOTE = 10, 13, 34


@dataclass
class RowLines:
    """One CSV file as read: the source, the lines the reader skipped, the rows it gave."""

    src: Source
    malformed: Malformed
    rows: int
    _starts: np.ndarray | None = field(default=None, repr=False)
    _scanned: bool = False

    def lines(self, rows: list[int]) -> list[int] | None:
        """The line (1 = the header) each 1-based data row starts on, or None."""
        if not self._scanned:
            self._starts = _data_row_lines(self)
            self._scanned = True
        if self._starts is None:
            return None
        return [int(self._starts[r - 1]) for r in rows]


def _data_row_lines(file: RowLines) -> np.ndarray | None:
    src = file.src
    if src.kind == "json":  # found while reading it
        lines: np.ndarray | None = src.record_lines
        return lines if lines is not None and len(lines) == file.rows else None
    if src.kind != "csv":
        return None
    try:
        starts = record_lines(src)
    except (OSError, EOFError, ValueError):
        return None
    if not len(starts):
        return None
    bad = file.malformed
    skipped = {line for line, _ in bad.all_lines} | {line for line, _ in bad.unclosed_quotes}
    data = starts[1:]  # the header is the first record
    if skipped:
        data = data[~np.isin(data, np.fromiter(skipped, dtype=np.int64))]
    if len(data) != file.rows or bad.count > len(bad.all_lines) + len(bad.unclosed_quotes):
        return None  # the scan and the reader disagree (or skipped lines were not all kept)
    return data


def record_lines(src: Source) -> np.ndarray:
    """The line each non-empty record of a CSV source starts on (1-based), the header
    included, in order."""
    from supportkpi.io.sources import _stream

    delimiter = ord(src.delimiter) if len(src.delimiter) == 1 else None
    starts: list[np.ndarray] = []
    quoted = False  # inside a quoted value at the end of the bytes scanned so far
    breaks = 0  # line breaks before this block
    record_from = 0  # where the record being read began (absolute offset)
    record_line = 1  # the line it began on
    offset = 0  # absolute offset of this block
    carry = b""  # a trailing CR, whose LF may open the next block
    previous = LF  # the byte before this block (the file starts a line)
    stream = _stream(src)
    try:
        while True:
            data = stream.read(BLOCK)
            block = carry + bytes(data)
            carry = b""
            if data and block.endswith(b"\r"):
                block, carry = block[:-1], b"\r"
            if not block:
                break
            b = np.frombuffer(block, dtype=np.uint8)
            scan = _scan(b, previous, delimiter, quoted, final=not data)
            quoted = scan.quoted
            ends = scan.breaks[scan.ends_record]
            if len(ends):
                # each record of the block: its first byte, its line, whether it holds
                # anything before its line break (the CR of a CRLF belongs to the break)
                firsts = np.append(record_from, offset + ends[:-1] + 1)
                numbers = breaks + np.flatnonzero(scan.ends_record) + 1  # of its break
                lines = np.append(record_line, numbers[:-1] + 1)
                crlf = (ends > 0) & (b[ends] == LF) & (b[np.maximum(ends - 1, 0)] == CR)
                starts.append(lines[offset + ends - crlf > firsts])
                record_from = offset + int(ends[-1]) + 1
                record_line = int(numbers[-1]) + 1
            breaks += len(scan.breaks)
            offset += len(b)
            previous = int(b[-1])
        if offset > record_from:  # a last record without a line break
            starts.append(np.array([record_line], dtype=np.int64))
    finally:
        stream.close()
    return np.concatenate(starts).astype(np.int64) if starts else np.zeros(0, np.int64)


@dataclass
class _Block:
    breaks: np.ndarray  # offsets of the line breaks (the LF of a CRLF, a lone CR)
    ends_record: np.ndarray  # for each: whether it ends a record (outside quotes)
    quoted: bool  # the block ends inside a quoted value


def _scan(b: np.ndarray, previous: int, delimiter: int | None, quoted: bool, final: bool) -> _Block:
    # (most exports have no CR, many no quote: a byte search, far cheaper, says so)
    raw = b.base if isinstance(b.base, bytes) else b.tobytes()  # (frombuffer's bytes)
    if CR in raw:
        is_lf = b == LF
        lone_cr = (b == CR) & ~np.append(is_lf[1:], False)
        breaks = np.flatnonzero(is_lf | lone_cr)
    else:
        breaks = np.flatnonzero(b == LF)
    quotes = np.flatnonzero(b == QUOTE) if QUOTE in raw else np.zeros(0, np.intp)
    if len(quotes):  # only the quotes that can open, close or double within a value
        before = np.where(quotes > 0, b[quotes - 1], previous)
        beyond = quotes + 1 >= len(b)  # its next byte is in the next block, or none
        after = np.where(beyond, LF if final else QUOTE, b[np.minimum(quotes + 1, len(b) - 1)])
        edge = (before == LF) | (before == CR) | (before == QUOTE)
        edge |= (after == LF) | (after == CR) | (after == QUOTE)
        if delimiter is not None:
            edge |= (before == delimiter) | (after == delimiter)
        quotes = quotes[edge]
    # a line break ends a record when an even number of quotes precede it
    inside = (np.searchsorted(quotes, breaks) + int(quoted)) & 1
    return _Block(breaks, inside == 0, bool((len(quotes) + int(quoted)) & 1))
