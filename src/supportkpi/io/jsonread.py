"""JSON exports: a top-level array of records, or NDJSON (one record per line).

What helpdesk APIs export. pyarrow's JSON reader (C++, threaded) parses records that
sit one per line; a top-level array, or records pretty-printed over several lines, is
first rewritten in place to that shape by a vectorised scan of its bytes (numpy, a few
MB at a time: which bytes are inside strings, the bracket depth of the rest): the
array's own brackets become spaces, the commas between its records line breaks, and the
line breaks inside a record spaces. No Python object is built per record.

Nested objects become dotted columns (`satisfaction_rating.score`); a list of single
values becomes one text cell, its items joined by ", " (`tags`: "billing, vip"); a list
of records or of lists stays a list, which a KPI or `--by` refuses (as Parquet's).
Timestamps are read as the text written, and typed as a CSV's are (an offset kept, a
naive one in the config's time zone): pyarrow's own guess drops the offset.

The file is held in memory whole while it is parsed (a pipe is anyway): its size, and
a gzip file's `limits.gzip_ratio`, bound that. Records that cannot be parsed stop the
read with the file and line; only then are records looked at one by one, in Python, to
find that line.
"""

from __future__ import annotations

import codecs
import json
import re
from typing import TYPE_CHECKING, Any

import numpy as np

from supportkpi.errors import InputError
from supportkpi.io.sources import JSON_SUFFIXES, Source, _bounded, _stream

if TYPE_CHECKING:
    import pyarrow as pa

_SCAN_CHUNK = 4 << 20  # bytes scanned at a time: the scan's temporaries stay a few dozen MB
_SEED_BYTES = 1 << 20  # the records whose fields seed the types (timestamps read as text)
_BLOCK = 8 << 20  # bytes pyarrow parses at a time; a longer record retries with larger
_BLOCK_MAX = 512 << 20
_SPACE, _NEWLINE, _CR, _COMMA, _QUOTE, _BACKSLASH = 32, 10, 13, 44, 34, 92
_OPEN, _CLOSE = (123, 91), (125, 93)  # { [ and } ] (as the scan compares them)
# the bytes the scan looks at kept as they are, every other byte 0 (bytes.translate)
_CLASSES = bytes(b if b in (*_OPEN, *_CLOSE, _COMMA, _NEWLINE, _CR, _QUOTE, _BACKSLASH) else 0
                 for b in range(256))  # fmt: skip
_CONFLICT = re.compile(r"Column\((.*?)\) changed from (\w+) to (\w+)")


def looks_like_json(path: str, head: bytes) -> bool:
    """A .json/.jsonl/.ndjson name (gzip or not), or text opening with a record (`{"`)
    or a list of records (`[{`, `[]`)."""
    name = path.lower().removesuffix(".gz")
    if name.endswith(JSON_SUFFIXES):
        return True
    return re.match(rb'(?:\xef\xbb\xbf)?\s*(?:\{\s*["}]|\[\s*[{\]])', head) is not None


def sniff(src: Source, head: bytes) -> None:
    """Read a JSON source whole: its records in `src.table`, flattened; `src.header` and
    `src.types` its columns."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if start not in (b"[", b"{"):
        raise InputError(
            "not JSON records: the text does not start with [ (a list of records) or"
            " { (one record per line)",
            path=src.display,
            code="E003",
            line=1,
        )
    data = _bytes(src)
    lines = _one_record_per_line(data, array=start == b"[", display=src.display)
    table = _parse(data, lines, src.display)
    if table.num_columns == 0:
        raise InputError("no records in the JSON file", path=src.display, code="E002")
    records = _unwrapped(table) if start == b"{" else table
    src.table = _flat(records)
    src.record_lines = lines if records is table else None  # (a response's: not known)
    src.header = list(src.table.column_names)
    src.types = list(src.table.schema.types)


def columns(src: Source, names: list[str], dictionary: list[str], text: bool) -> pa.Table:
    """The named columns (every column when none is named) of a JSON source read by
    `sniff`: text columns named in `dictionary` dictionary-encoded, and with `text`
    every column as text, as a CSV's would be."""
    import pyarrow as pa
    import pyarrow.compute as pc

    table = src.table
    assert table is not None
    first = {name: i for i, name in reversed(list(enumerate(table.column_names)))}
    picked = table.select([first[n] for n in names]) if names else table
    out = []
    for name, col in zip(picked.column_names, picked.columns, strict=True):
        if text or name in dictionary:
            if pa.types.is_nested(col.type):
                col = pa.nulls(len(col), pa.string())  # (only when text: a KPI refuses lists)
            else:
                col = col.cast(pa.string())
        if name in dictionary and not text:
            col = pc.dictionary_encode(col)
        out.append(col)
    return pa.table(out, names=picked.column_names)


# ------------------------------------------------------------------- the bytes
def _bytes(src: Source) -> np.ndarray:
    """The whole text as a writable byte array (gzip decompressed, within its limit)."""
    if src.data is not None and not src.compressed:
        return np.frombuffer(bytearray(src.data), dtype=np.uint8)
    if src.data is None and not src.compressed:
        try:
            return np.fromfile(src.path, dtype=np.uint8)
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", path=src.display, code="E001") from exc
    out = bytearray()
    stream = _stream(src)
    try:
        with _bounded(stream):
            while chunk := stream.read(_SCAN_CHUNK):
                out += chunk
    except (OSError, EOFError) as exc:
        raise InputError(f"corrupt gzip file ({exc})", path=src.display, code="E003") from exc
    return np.frombuffer(out, dtype=np.uint8)


def _one_record_per_line(b: np.ndarray, array: bool, display: str) -> np.ndarray:
    """Rewrite `b` in place so that each record sits on one line, and return the line
    (1-based, in the file as written) where each record starts.

    `array`: the records are the items of a top-level list (of as many lists as the file
    holds one after the other); else they follow one another (NDJSON). Only the bytes
    that matter (quotes, backslashes, brackets, commas, line breaks: a fifth of a typical
    export) are looked at past a first pass that finds them."""
    base = 1 if array else 0  # the depth at which records start
    in_string, depth, backslashes, line = 0, 0, 0, 1
    starts: list[np.ndarray] = []
    utf8 = codecs.getincrementaldecoder("utf-8")()  # pyarrow takes any bytes as text

    def fail(where: int, what: str) -> InputError:
        return InputError(what, path=display, code="E003", line=where)

    for offset in range(0, len(b), _SCAN_CHUNK):
        c = b[offset : offset + _SCAN_CHUNK]
        raw = c.tobytes()
        at = np.flatnonzero(np.frombuffer(raw.translate(_CLASSES), dtype=np.uint8))
        kind = c[at]
        quote = kind == _QUOTE
        slash = kind == _BACKSLASH
        if backslashes or slash.any():
            escaped, backslashes = _escaped(at, slash, len(c), backslashes)
            quote &= ~escaped
        # odd quotes so far: in a string
        in_strings = np.bitwise_xor.accumulate(quote.view(np.uint8)) ^ in_string
        if len(at):
            in_string = int(in_strings[-1])
        breaks = at[kind == _NEWLINE]  # lines are counted inside strings too
        keep = (in_strings == 0) & ~quote & ~slash
        outside, byte = at[keep], kind[keep]
        step = ((byte == 123) | (byte == 91)).astype(np.int64) - ((byte == 125) | (byte == 93))
        after = depth + np.cumsum(step)
        before = after - step
        if len(after):
            depth = int(after[-1])

        def line_of(positions: np.ndarray, line: int = line, breaks: np.ndarray = breaks) -> Any:
            return line + np.searchsorted(breaks, positions)

        try:
            utf8.decode(raw, final=offset + _SCAN_CHUNK >= len(b))
        except UnicodeDecodeError as exc:
            where = int(line_of(np.array(exc.start)))
            raise InputError(
                f"text that is not UTF-8 (byte 0x{exc.object[exc.start]:02x}): JSON is UTF-8",
                path=display,
                code="E006",
                line=where,
                hint="save the export as UTF-8, e.g. with iconv -f cp1252 -t utf-8",
            ) from exc
        if len(after) and after.min() < 0:
            where = int(line_of(outside[np.argmax(after < 0)]))
            raise fail(where, "a closing bracket with no opening one")
        opens = (step == 1) & (before == base)
        lists = outside[opens & (byte != 123)]
        if len(lists):
            raise fail(int(line_of(lists[0])), "a list where a record ({…}) was expected")
        if array:
            stray = outside[(step == 1) & (before == 0) & (byte != 91)]
            if len(stray):
                raise fail(int(line_of(stray[0])), "a record outside the top-level list [ … ]")
            c[outside[((step == 1) & (before == 0)) | ((step == -1) & (after == 0))]] = _SPACE
        starts.append(line_of(outside[opens]))
        c[outside[(byte == _COMMA) & (before == base)]] = _NEWLINE
        # a record's own line breaks, and in a list every one: records end at commas
        inside = before > base if not array else before >= 0
        c[outside[((byte == _NEWLINE) & inside) | (byte == _CR)]] = _SPACE
        line += len(breaks)
    found = np.concatenate(starts) if starts else np.zeros(0, dtype=np.int64)
    last = int(found[-1]) if len(found) else 1
    if in_string:
        raise fail(last, "the file ends inside a text value (a quote never closed, or cut short?)")
    if depth:
        raise fail(last, "the file ends inside a record (a bracket never closed, or cut short?)")
    return found


def _escaped(at: np.ndarray, slash: np.ndarray, size: int, carried: int) -> tuple[np.ndarray, int]:
    """Which of the bytes at `at` (of a chunk of `size` bytes) follow an odd run of
    backslashes (an escaped quote), and how many backslashes end the chunk; `carried`
    backslashes ended the chunk before."""
    follows = np.zeros(len(at), dtype=bool)  # right after a backslash
    follows[1:] = slash[:-1] & (np.diff(at) == 1)
    if len(at) and at[0] == 0:
        follows[0] = carried > 0
    index = np.arange(len(at))
    run_start = np.maximum.accumulate(np.where(slash & ~follows, index, -1))
    run = np.where(run_start < 0, index + 1 + carried, index - run_start + 1)
    odd = np.zeros(len(at), dtype=bool)
    odd[1:] = run[:-1] % 2 == 1
    if len(at):
        odd[0] = carried % 2 == 1
    ends = len(at) and at[-1] == size - 1 and slash[-1]
    return follows & odd, int(run[-1]) if ends else 0


# ----------------------------------------------------------------- parsing
def _parse(b: np.ndarray, lines: np.ndarray, display: str) -> pa.Table:
    """The records of `b` (one a line), timestamps as their text."""
    seed = _seed_end(b)
    first = _read(b[:seed] if seed else b, set(), lines, display)
    text = _time_paths(first.schema)
    if not seed and not text:
        return first
    order = {name: i for i, name in enumerate(first.column_names)}
    while True:  # once more for a timestamp field first seen past the seed
        table = _read(b, text, lines, display)
        more = _time_paths(table.schema) - text
        if not more:  # the columns in the file's order (pyarrow puts explicit ones first)
            names = table.column_names
            rank = [order.get(name, len(order) + i) for i, name in enumerate(names)]
            return table.select(sorted(range(len(names)), key=rank.__getitem__))
        text |= more


def _seed_end(b: np.ndarray) -> int:
    """Where the records in the first MB end (0: no whole record there)."""
    breaks = np.flatnonzero(b[:_SEED_BYTES] == _NEWLINE)
    return int(breaks[-1]) + 1 if len(breaks) and len(b) > _SEED_BYTES else 0


def _read(b: np.ndarray, text: set[tuple[str, ...]], lines: np.ndarray, display: str) -> pa.Table:
    import pyarrow as pa
    import pyarrow.json as pj

    block = _BLOCK
    while True:
        options = pj.ParseOptions(
            explicit_schema=_text_schema(text) if text else None,
            unexpected_field_behavior="infer",
        )
        try:
            return pj.read_json(
                pa.BufferReader(pa.py_buffer(b)),
                read_options=pj.ReadOptions(block_size=block),
                parse_options=options,
            )
        except pa.ArrowInvalid as exc:
            message = str(exc)
            if "straddling" in message and block < _BLOCK_MAX:  # a record longer than a block
                block *= 4
                continue
            raise _located(b, lines, message, display) from exc


def _time_paths(schema: pa.Schema) -> set[tuple[str, ...]]:
    """The paths (`("satisfaction_rating", "created_at")`, `("dates", "[]")`) of the
    timestamp and date fields pyarrow inferred."""
    import pyarrow as pa

    found: set[tuple[str, ...]] = set()

    def walk(t: pa.DataType, path: tuple[str, ...]) -> None:
        if pa.types.is_timestamp(t) or pa.types.is_date(t) or pa.types.is_time(t):
            found.add(path)
        elif pa.types.is_struct(t):
            for f in t:
                walk(f.type, (*path, f.name))
        elif pa.types.is_list(t) or pa.types.is_large_list(t):
            walk(t.value_type, (*path, "[]"))

    for f in schema:
        walk(f.type, (f.name,))
    return found


def _text_schema(paths: set[tuple[str, ...]]) -> pa.Schema:
    """An explicit schema typing only these paths, as text (pyarrow infers the rest)."""
    import pyarrow as pa

    def build(tails: list[tuple[str, ...]]) -> pa.DataType:
        if any(not t for t in tails):
            return pa.string()
        if tails[0][0] == "[]":
            return pa.list_(build([t[1:] for t in tails]))
        return pa.struct(fields(tails))

    def fields(tails: list[tuple[str, ...]]) -> list[pa.Field]:
        names = dict.fromkeys(t[0] for t in tails)
        return [pa.field(n, build([t[1:] for t in tails if t[0] == n])) for n in names]

    return pa.schema(fields(sorted(paths)))


def _unwrapped(table: pa.Table) -> pa.Table:
    """An API response (`{"tickets": [{…}, …], "next_page": …}`): the records of its one
    list of records. A file of one record with one list of records is read as such a
    response."""
    import pyarrow as pa
    import pyarrow.compute as pc

    lists = [
        col
        for col in table.columns
        if (pa.types.is_list(col.type) or pa.types.is_large_list(col.type))
        and pa.types.is_struct(col.type.value_type)
    ]
    if table.num_rows != 1 or len(lists) != 1:
        return table
    items = pc.list_flatten(lists[0]).combine_chunks()
    return pa.Table.from_struct_array(items)


def _flat(table: pa.Table) -> pa.Table:
    """Records within records as dotted columns; lists of single values as text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    while any(pa.types.is_struct(t) for t in table.schema.types):
        table = table.flatten()
    for i, (name, col) in enumerate(zip(table.column_names, table.columns, strict=True)):
        t = col.type
        if (pa.types.is_list(t) or pa.types.is_large_list(t)) and not pa.types.is_nested(
            t.value_type
        ):
            joined = pc.binary_join(col.cast(pa.list_(pa.string())), ", ")
            table = table.set_column(i, name, pc.if_else(pc.equal(joined, ""), None, joined))
    return table


# ------------------------------------------------------ where it went wrong
def _located(b: np.ndarray, lines: np.ndarray, message: str, display: str) -> InputError:
    """The parse error of pyarrow (whose row numbers count from its block) at its line:
    the records are parsed again one by one, in Python (only for a file that fails)."""
    conflict = _CONFLICT.search(message)
    path = [p for p in conflict.group(1).split("/") if p] if conflict else []
    seen: dict[str, str] = {}
    record = 0
    for text in bytes(b).split(b"\n"):
        if not text.strip():
            continue
        line = int(lines[record]) if record < len(lines) else None
        record += 1
        try:
            value = json.loads(text)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            what = exc.msg if isinstance(exc, json.JSONDecodeError) else "text that is not UTF-8"
            return InputError(f"invalid JSON: {what}", path=display, code="E003", line=line)
        if not isinstance(value, dict):
            return InputError(
                f"{_kind(value)} where a record ({{…}}) was expected",
                path=display,
                code="E003",
                line=line,
            )
        if conflict:
            for found in _at(value, path):
                kind = _kind(found)
                if kind == "null":
                    continue
                first = seen.setdefault("kind", kind)
                if kind != first:
                    return _mixed(display, line, path, first, kind)
    return InputError(
        f"cannot read the JSON records ({message.removeprefix('JSON parse error: ')})",
        path=display,
        code="E003",
    )


def _mixed(display: str, line: int | None, path: list[str], first: str, then: str) -> InputError:
    dotted = ".".join(path).replace(".[]", "[]") or "(the record)"
    return InputError(
        f"field {dotted} holds {then} here and {first} in the records before:"
        " a field must hold one type",
        path=display,
        code="E003",
        line=line,
        hint=f"write it as text in every record, or leave {path[0]} out of the export,"
        f" e.g. with jq's del(.{path[0]})"
        if path
        else None,
    )


def _at(value: Any, path: list[str]) -> list[Any]:
    """The values at a pyarrow column path (`a`, `[]`, `b`) in one record."""
    found = [value]
    for part in path:
        nxt: list[Any] = []
        for v in found:
            if part == "[]" and isinstance(v, list):
                nxt += v
            elif isinstance(v, dict) and part in v:
                nxt.append(v[part])
        found = nxt
    return found


def _kind(value: Any) -> str:
    """What a JSON value is, as the messages say it (numbers whole or not are one kind,
    as pyarrow reads them)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "text"
    return "a list" if isinstance(value, list) else "a record"
