"""Finding and opening export files: paths, folders, globs, stdin; CSV dialect and encoding.

Nothing here knows about KPIs. `expand()` turns what the user typed into concrete
sources; `open_source()` sniffs one (format, encoding, delimiter, header) cheaply, and
`read_columns()` reads only the named columns with pyarrow.
Inputs are opened read-only and never written.

Bounded: stdin and other pipes (a FIFO, `<(zcat …)`, a device) are read once, whole, into
memory, up to `limits.stdin_mb` (their first 64 KB first: /dev/zero is refused as binary
at once); gzip text is decompressed as it is parsed, up to `limits.gzip_ratio` times the
compressed size, so a small file that expands to gigabytes is refused, not read.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import glob
import gzip
import io
import os
import re
import stat
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO

from supportkpi.config.settings import Limits
from supportkpi.errors import InputError, printable
from supportkpi.io import progress
from supportkpi.io.outputs import mark_read, mark_read_stdin

if TYPE_CHECKING:
    import numpy as np
    import pyarrow as pa

SNIFF_BYTES = 1 << 16
# pyarrow's default missing-value tokens (a config's missing_values add to them)
NULL_VALUES = (
    "",
    "#N/A",
    "#N/A N/A",
    "#NA",
    "-1.#IND",
    "-1.#QNAN",
    "-NaN",
    "-nan",
    "1.#IND",
    "1.#QNAN",
    "N/A",
    "NA",
    "NULL",
    "NaN",
    "n/a",
    "nan",
    "null",
)
_CANDIDATE_DELIMITERS = (",", ";", "\t", "|")
_DATA_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".txt", ".parquet", ".pq", ".gz", ".xlsx", ".xls")
JSON_SUFFIXES = (".json", ".jsonl", ".ndjson")  # (gzip too: .json.gz ends in .gz)
_GZIP_ERRORS = (OSError, EOFError, zlib.error)

# A UTF-8 export with a few lines in cp1252 (a hand-edited file, files concatenated from
# two systems) is read with this codec: UTF-8, and only the bytes that are not UTF-8
# decoded as cp1252 (Latin-1 for the five bytes cp1252 leaves undefined). Re-reading the
# whole file as cp1252 instead would garble every valid accented letter ('Zoë' -> 'ZoÃ«').
# pyarrow transcodes through Python codecs, in blocks, so this stays one streaming pass.
MIXED = "supportkpi_utf8_cp1252"
_CP1252 = [
    chr(b) if b in (0x81, 0x8D, 0x8F, 0x90, 0x9D) else bytes([b]).decode("cp1252")
    for b in range(256)
]


def _as_cp1252(exc: UnicodeError) -> tuple[str, int]:
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    return "".join(_CP1252[b] for b in exc.object[exc.start : exc.end]), exc.end


codecs.register_error(MIXED, _as_cp1252)


def _mixed_decode(data: Any, errors: str = "strict", /) -> tuple[str, int]:
    return codecs.utf_8_decode(data, MIXED, True)


class _MixedDecoder(codecs.BufferedIncrementalDecoder):
    def _buffer_decode(self, data: Any, errors: str, final: bool) -> tuple[str, int]:
        return codecs.utf_8_decode(data, MIXED, final)


def _find_codec(name: str) -> codecs.CodecInfo | None:
    if name != MIXED:
        return None
    utf8 = codecs.lookup("utf-8")
    return codecs.CodecInfo(
        utf8.encode,
        _mixed_decode,
        incrementalencoder=utf8.incrementalencoder,
        incrementaldecoder=_MixedDecoder,
        name=MIXED,
    )


codecs.register(_find_codec)


@dataclass
class Source:
    """One export file (or stdin), sniffed."""

    path: str  # as the user named it ('-' for stdin)
    kind: str = "csv"  # csv | parquet | workbook | json | table (in memory: the Python API)
    encoding: str = "utf8"
    delimiter: str = ","
    header: list[str] = field(default_factory=list)  # names trimmed of spaces
    raw_header: list[str] = field(default_factory=list)  # as written, for pyarrow
    data: bytes | bytearray | None = None  # a pipe's content (read once), gzip or not
    compressed: bool = False
    gzip_ratio: int = 0  # gzip text may run this many times ahead of the bytes read
    pipe: BinaryIO | None = field(default=None, repr=False)  # a pipe read up to its head
    # the sniffed sample: its size in bytes, its whole data rows, and whether one of its
    # cells swallowed whole lines after an unterminated quote
    sample_bytes: int = 0
    sample_rows: int = 0
    sample_swallows: bool = False
    types: list[Any] = field(default_factory=list)  # Parquet: each header column's type
    # a source read whole when sniffed: a workbook's sheet, a JSON file's records
    # flattened, a table handed in memory to the Python API
    table: pa.Table | None = field(default=None, repr=False)
    sheet_name: str = ""  # a workbook: the sheet read, and every sheet it has
    sheet_names: list[str] = field(default_factory=list)
    record_lines: Any = None  # JSON: the line each record starts on (None: not known)

    @property
    def display(self) -> str:
        """The name in messages and reports: a byte that is not UTF-8, or a control
        character, escaped (`caf\\xe9.csv`), so every output can print it."""
        return "<stdin>" if self.path == "-" else printable(self.path)


class InMemory(str):
    """A table handed to the Python API (a pyarrow Table, or what became one) where a
    path would be: the string is its name in messages and reports (`<tickets table>`),
    and it goes through the loading as a file does, so the same mapping, typing, row
    problems and presets apply. Rows in messages are the table's rows (1-based)."""

    table: pa.Table

    def __new__(cls, name: str, table: pa.Table) -> InMemory:
        self = super().__new__(cls, name)
        self.table = table
        return self


def _in_memory(name: InMemory) -> Source:
    """A source of an in-memory table: read whole already, as a workbook's sheet is."""
    table = _without_views(name.table)
    src = Source(name, kind="table")
    src.header = [str(h).strip() for h in table.column_names]
    src.raw_header = list(table.column_names)
    src.types = list(table.schema.types)
    src.table = table.rename_columns(src.header)
    if not src.header:
        raise InputError("the table has no columns", path=src.display, code="E002")
    return src


def _without_views(table: pa.Table) -> pa.Table:
    """Text and bytes as the loader reads them: Polars hands strings over as Arrow's
    string_view (binary_view for bytes), which the typing does not take: cast to string
    (large_string when over 2 GB), also inside a dictionary."""
    import pyarrow as pa

    def plain(t: pa.DataType, large: bool) -> pa.DataType | None:
        if pa.types.is_dictionary(t):
            value = plain(t.value_type, large)
            return None if value is None else pa.dictionary(t.index_type, value)
        if pa.types.is_string_view(t):
            return pa.large_string() if large else pa.string()
        if pa.types.is_binary_view(t):
            return pa.large_binary() if large else pa.binary()
        return None

    for i, field_ in enumerate(table.schema):
        target = plain(field_.type, large=False)
        if target is None:
            continue
        try:
            column = table.column(i).cast(target)
        except pa.ArrowInvalid:  # over 2 GB of text in one column
            column = table.column(i).cast(plain(field_.type, large=True))
        table = table.set_column(i, field_.name, column)
    return table


def expand(specs: list[str], input_name: str) -> list[str]:
    """Paths named by the user: files, folders (their data files), globs, or '-'."""
    out: list[str] = []
    for spec in specs:
        if spec == "-" or isinstance(spec, InMemory):
            out.append(spec)
        elif os.path.isdir(spec):
            try:
                names = os.listdir(spec)
            except OSError as exc:
                raise InputError(
                    f"cannot read the folder: {exc.strerror}",
                    path=spec,
                    code="E001",
                    hint="check its permissions",
                ) from exc
            found = sorted(
                os.path.join(spec, f)
                for f in names
                # not hidden files, nor the lock file Excel keeps beside an open workbook
                if f.lower().endswith(_DATA_SUFFIXES + JSON_SUFFIXES)
                and not f.startswith((".", "~$"))
            )
            if not found:
                raise InputError(
                    "folder holds no .csv, .csv.gz, .parquet, .xlsx or .json files",
                    path=spec,
                    code="E001",
                    hint=f"--{input_name} takes a file, a folder of exports or a glob",
                )
            out.extend(found)
        elif any(ch in spec for ch in "*?["):
            found = sorted(glob.glob(spec))
            if not found:
                raise InputError("no file matches this pattern", path=spec, code="E001")
            out.extend(found)
        else:
            try:
                os.stat(spec)
            except FileNotFoundError:
                raise InputError(
                    "no such file",
                    path=spec,
                    code="E001",
                    hint=f"check the path given to --{input_name}",
                ) from None
            except OSError as exc:  # a folder on the way that may not be searched
                raise InputError(f"cannot read: {exc.strerror}", path=spec, code="E001") from exc
            out.append(spec)
    return out


def is_pipe(path: str) -> bool:
    """stdin, a FIFO, a device: what can be read only once, and has no size up front."""
    if path == "-":
        return True
    if isinstance(path, InMemory):
        return False
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False  # opening it says what is wrong
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


MB = 1 << 20
GZIP_SLACK = 64 * MB  # gzip text allowed beyond gzip_ratio times the bytes read


def _read_head(src: Source, limits: Limits) -> bytes:
    if is_pipe(src.path):
        head = _pipe_head(src, limits)
    else:
        try:
            with open(src.path, "rb") as fh:
                head = fh.read(SNIFF_BYTES)
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", path=src.path, code="E001") from exc
    if head[:2] != b"\x1f\x8b":
        return head
    src.compressed = True
    src.gzip_ratio = limits.gzip_ratio
    try:
        if src.data is not None:
            return _gunzip_head(src.data)
        with gzip.open(src.path, "rb") as fh:
            return fh.read(SNIFF_BYTES)
    except _GZIP_ERRORS as exc:
        raise InputError(f"corrupt gzip file: {exc}", path=src.display, code="E003") from exc


def _pipe_head(src: Source, limits: Limits) -> bytes:
    """The first bytes of a pipe, the pipe left open for `_drain` (all of it at once when
    it is gzip: its text is sniffed from the decompressed start)."""
    if src.path == "-":
        mark_read_stdin()  # `-t - < t.csv`: t.csv is an input all the same
        src.pipe = sys.stdin.buffer
    else:
        try:
            src.pipe = open(src.path, "rb")  # noqa: SIM115 (closed by _drain or open_source)
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", path=src.path, code="E001") from exc
    src.data = bytearray()
    for chunk in pipe_chunks(src.pipe, src.display, limits, SNIFF_BYTES):
        src.data += chunk
    if src.data[:2] == b"\x1f\x8b":
        _drain(src, limits)
    return bytes(src.data[:SNIFF_BYTES])


def pipe_chunks(
    fh: BinaryIO, display: str, limits: Limits, upto: int | None = None, already: int = 0
) -> Iterator[bytes]:
    """The bytes of a pipe, a block at a time, up to `upto` bytes (None: to its end);
    past `limits.stdin_mb` in all (`already` read before), an InputError: a pipe is held
    in memory whole."""
    cap = limits.stdin_mb * MB
    read = already
    while upto is None or read < upto:
        want = MB if upto is None else min(MB, upto - read)
        try:
            chunk = fh.read(want)
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror}", path=display, code="E001") from exc
        if not chunk:
            return
        read += len(chunk)
        if read > cap:
            raise InputError(
                f"more than {limits.stdin_mb} MB: stdin or a pipe is held in memory whole"
                " (limits.stdin_mb)",
                path=display,
                code="E001",
                hint="save the export to a file and name the file, or raise limits.stdin_mb"
                " in targets.yaml",
            )
        yield chunk


def _drain(src: Source, limits: Limits) -> None:
    """The rest of a pipe whose head was read (bounded: see `pipe_chunks`)."""
    if src.pipe is None:
        return
    assert isinstance(src.data, bytearray)
    # joined once at the end, not grown chunk by chunk: the console script takes large
    # blocks from the heap (runtime.py), where a growing buffer that cannot stay in
    # place is copied, and every copy it left behind would stay mapped
    chunks: list[bytes | bytearray] = [src.data]
    chunks.extend(pipe_chunks(src.pipe, src.display, limits, already=len(src.data)))
    src.data = bytearray().join(chunks)
    _close_pipe(src)


def _close_pipe(src: Source) -> None:
    if src.pipe is not None and src.pipe is not sys.stdin.buffer:
        src.pipe.close()
    src.pipe = None


def _gunzip_head(data: bytes | bytearray) -> bytes:
    """The first SNIFF_BYTES of gzip text (over several members, as gzip reads them),
    decompressing no more of it than that."""
    view = memoryview(data)
    out = bytearray()
    pos, member = 0, None
    while len(out) < SNIFF_BYTES and pos < len(view):
        member = member or zlib.decompressobj(16 + zlib.MAX_WBITS)
        chunk = view[pos : pos + SNIFF_BYTES]
        out += member.decompress(chunk, SNIFF_BYTES - len(out))
        pos += len(chunk) - len(member.unconsumed_tail) - len(member.unused_data)
        if member.eof:
            member = None
    if len(out) < SNIFF_BYTES and member is not None:
        raise EOFError("compressed data ended before the end-of-stream marker")
    return bytes(out)


def _decode_sample(head: bytes, path: str) -> tuple[str, str]:
    """(encoding, text) of the sniffed bytes: UTF-8 (± BOM); UTF-8 mixed with cp1252 when
    valid UTF-8 letters sit next to bytes that are not UTF-8; else cp1252, else Latin-1."""
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    # a multi-byte character may be cut at the end of the sample
    for cut in range(4):
        try:
            return "utf8", head[: len(head) - cut].decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:
                break
    if re.search(_UTF8_LETTER, head.decode("utf-8", errors="surrogateescape")):
        return MIXED, head.decode(MIXED)
    try:
        return "cp1252", head.decode("cp1252")
    except UnicodeDecodeError:
        return "latin1", head.decode("latin-1")


# a character beyond ASCII that UTF-8 decoded (surrogateescape puts the undecodable bytes
# at U+DC80-U+DCFF, and no valid UTF-8 decodes to a surrogate); compiled on first use
# by `re` (3 ms, every start otherwise)
_UTF8_LETTER = "[\u0080-\ud7ff\ue000-\U0010ffff]"
_LINE_BREAK = re.compile("\r\n|\r|\n")


def _utf16(head: bytes) -> bool:
    """UTF-16 text: a byte-order mark, or ASCII text with every other byte NUL."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    sample = head[:1024]
    even, odd = sample[0::2], sample[1::2]
    if len(odd) < 8:
        return False
    return (odd.count(0) == len(odd) and 0 not in even) or (
        even.count(0) == len(even) and 0 not in odd
    )


def _sniff_delimiter(text: str) -> str:
    # CSV line breaks only (str.splitlines also splits at \x0b, \x0c, \x85…)
    lines = _LINE_BREAK.split(text)[:50]
    if len(text) >= SNIFF_BYTES - 4 and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut
    best, best_fields = ",", 1
    for delim in _CANDIDATE_DELIMITERS:
        try:
            rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delim))
        except csv.Error:
            continue
        rows = [r for r in rows if r]
        if not rows:
            continue
        width = len(rows[0])
        if width <= best_fields:
            continue
        consistent = sum(1 for r in rows if len(r) == width)
        if consistent >= max(1, int(0.9 * len(rows))):
            best, best_fields = delim, width
    return best


def open_source(path: str, limits: Limits | None = None, sheet: str | None = None) -> Source:
    """Sniff one source: Parquet, an Excel workbook (its `sheet`, None: the first, read
    whole here) or CSV; for CSV the encoding, delimiter and header.
    A pipe is read here, once (after its head passed the checks); an in-memory table
    (the Python API) is taken as it is."""
    if isinstance(path, InMemory):
        return _in_memory(path)
    src = Source(path)
    if path != "-":
        mark_read(path)  # whatever names it, a report may never be written over it
    limits = limits or Limits()
    try:
        _sniff(src, _read_head(src, limits), limits, sheet)
    finally:
        _close_pipe(src)
    return src


# a zip archive (xlsx, ods) or an OLE2 compound file (xls)
_WORKBOOK_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")


def _sniff(src: Source, head: bytes, limits: Limits, sheet: str | None = None) -> None:
    path = src.path
    if head.startswith(b"PAR1"):
        _drain(src, limits)
        src.kind = "parquet"
        _parquet_schema(src)
        return
    if path.lower().endswith((".parquet", ".pq")):
        raise InputError("not a Parquet file (no PAR1 magic bytes)", path=src.display, code="E003")
    from supportkpi.io.excel import WORKBOOK_SUFFIXES

    if path.lower().endswith(WORKBOOK_SUFFIXES) or head.startswith(_WORKBOOK_MAGIC):
        _drain(src, limits)
        _workbook(src, sheet)
        return
    if not head.strip():
        raise InputError("empty file: no header row", path=src.display, code="E002")
    if _utf16(head):  # before the NUL check: UTF-16 text is full of NUL bytes
        raise InputError(
            "UTF-16 text is not supported",
            path=src.display,
            code="E006",
            hint="save the export as UTF-8 CSV",
        )
    if b"\x00" in head:
        raise InputError(
            "binary data, not a CSV file",
            path=src.display,
            code="E003",
            hint="give a CSV (.csv, .csv.gz) or Parquet export",
        )
    from supportkpi.io import jsonread

    if jsonread.looks_like_json(path, head):
        _drain(src, limits)
        src.kind = "json"
        jsonread.sniff(src, head)
        return
    src.encoding, text = _decode_sample(head, src.display)
    src.delimiter = _sniff_delimiter(text)
    try:  # newline="": CR-only line endings (Excel for Mac) end the header row too
        first = next(csv.reader(io.StringIO(text, newline=""), delimiter=src.delimiter), [])
    except csv.Error as exc:
        raise InputError(f"cannot read the header row ({exc})", path=src.display) from exc
    src.header = [h.strip() for h in first]
    src.raw_header = list(first)
    if not any(src.header):
        raise InputError("empty header row", path=src.display, code="E002")
    src.sample_bytes = len(head)
    _sample_rows(src, text, cut=len(head) >= SNIFF_BYTES)
    _drain(src, limits)


def _workbook(src: Source, sheet: str | None) -> None:
    from supportkpi.io.excel import read_sheet

    data = bytes(src.data) if src.data is not None else src.path
    if not _zip_of_workbook(data):
        raise InputError(
            "a zip archive, not an Excel workbook: not read",
            path=src.display,
            code="E003",
            hint="unzip it and give the export inside",
        )
    if src.compressed:
        raise InputError("a gzip-compressed workbook", path=src.display, code="E003",
                         hint="decompress it first: a workbook is compressed already")  # fmt: skip
    src.sheet_name, src.sheet_names, table = read_sheet(data, src.display, sheet)
    src.kind = "workbook"
    src.header = [str(name).strip() for name in table.column_names]
    src.raw_header = list(table.column_names)
    src.types = list(table.schema.types)
    src.table = table.rename_columns(src.header)


def _zip_of_workbook(data: str | bytes) -> bool:
    """Whether a zip archive holds a workbook (xlsx, ods) rather than, say, a zipped CSV;
    True for what is not a zip (an .xls: its reader says whether it can read it)."""
    import zipfile

    try:
        with zipfile.ZipFile(io.BytesIO(data) if isinstance(data, bytes) else data) as z:
            names = set(z.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return True
    return "xl/workbook.xml" in names or "xl/workbook.bin" in names or "content.xml" in names


def _sample_rows(src: Source, text: str, cut: bool) -> None:
    """Rows of the sniffed sample, and whether a cell there swallowed whole lines: what
    tells, after the read, that lines went missing in columns the read did not convert."""
    rows = 0
    try:
        for fields in csv.reader(io.StringIO(text, newline=""), delimiter=src.delimiter):
            rows += 1
            for value in fields:
                if _swallowed_lines(value, src.delimiter, len(src.header)):
                    src.sample_swallows = True
    except csv.Error:
        pass
    src.sample_rows = max(0, rows - 1 - int(cut))  # not the header, nor a cut last row


def _parquet_schema(src: Source) -> None:
    import pyarrow.parquet as pq

    try:
        schema = pq.ParquetFile(_parquet_handle(src)).schema_arrow
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise InputError(
            f"corrupt or truncated Parquet file ({exc})", path=src.display, code="E003"
        ) from exc
    src.header, src.types = list(schema.names), list(schema.types)


def _parquet_handle(src: Source) -> object:
    if src.data is not None:
        import pyarrow as pa

        return pa.BufferReader(src.data)
    return arrow_file(src.path)


def arrow_file(path: str) -> Any:
    """`path` for pyarrow, which takes UTF-8 names only: a name with bytes that are not
    UTF-8 (`caf\\xe9.csv`, written by a Latin-1 system) is opened by its bytes."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        import pyarrow as pa

        return pa.OSFile(os.fsencode(path))
    return path


@dataclass
class Malformed:
    """CSV lines that are not rows of the table (skipped, counted): lines with the wrong
    number of fields, and the lines an unterminated quote swallowed into one cell."""

    lines: list[int] = field(default_factory=list)  # physical line numbers (1 = header)
    count: int = 0
    expected: int = 0
    found: set[int] = field(default_factory=set)
    all_lines: list[tuple[int, str]] = field(default_factory=list)  # (line, text), capped
    # (line where a quote opens and is never closed, physical lines its row swallowed)
    unclosed_quotes: list[tuple[int, int]] = field(default_factory=list)


_KEEP_LINES = 100_000  # lines kept in Malformed.all_lines (for validate --rejects)


def read_columns(
    src: Source,
    columns: list[str],
    dictionary: list[str],
    missing: tuple[str, ...] = (),
    *,
    text: bool = False,
    row_groups: list[int] | None = None,
) -> tuple[pa.Table, Malformed]:
    """Read only `columns` (export names) of one source.

    `dictionary` columns arrive dictionary-encoded (cheap grouping). CSV lines with too
    many or too few fields are skipped and returned in `Malformed`, never guessed at; so
    is a row whose cell swallowed the lines after an unterminated quote. `text=True`
    reads every column of a CSV as it is written (text, no missing values).
    `row_groups` reads only those row groups of a Parquet file.
    """

    if src.kind in ("workbook", "table"):
        assert src.table is not None
        if src.kind == "table":  # typed as Parquet is: one value per row, text as text
            _single_values(src, columns)
        sheet = _first_of_each_name(src.table)
        table = sheet.select(columns or sheet.column_names)
        if text:  # as written: every cell as text
            import pyarrow as pa

            table = pa.table([c.cast(pa.string()) for c in table.columns], names=table.column_names)
        if src.kind == "table":
            table = _text_as_text(src, table)
        return table, Malformed()
    if src.kind == "parquet":
        import pyarrow.parquet as pq

        _single_values(src, columns)
        try:
            # ParquetFile.read, not read_table: read_table imports pyarrow.dataset, and
            # with it pandas (~0.15 s of start-up) for nothing
            pf = pq.ParquetFile(
                _parquet_handle(src), read_dictionary=[c for c in dictionary if c in columns]
            )
            if row_groups is None:
                table = pf.read(columns=columns, use_threads=True)
            else:  # a part of a larger-than-memory file
                table = pf.read_row_groups(row_groups, columns=columns, use_threads=True)
        except Exception as exc:
            raise InputError(
                f"corrupt or truncated Parquet file ({exc})", path=src.display, code="E003"
            ) from exc
        return _text_as_text(src, _first_of_each_name(table)), Malformed()
    if src.kind == "json":
        from supportkpi.io import jsonread

        _single_values(src, columns)
        return jsonread.columns(src, columns, dictionary, text), Malformed()

    # First as if no quoted value spans lines (pyarrow parses that ~1.5x faster). A value
    # that does split its record into pieces, and with two or more columns at least one
    # piece has the wrong number of fields: any such row, or any value that fails to
    # convert, and the file is read again the careful way.
    if len(src.header) > 1:
        try:
            table, bad = _read_csv(
                src, columns, dictionary, missing, threads=True, text=text, one_line_rows=True
            )
        except TooLarge:
            raise
        except InputError:
            bad = Malformed(count=1)
        if not bad.count:
            return _unclosed_quotes(src, table, bad, every_column=not columns), bad
    table, bad = _read_csv(src, columns, dictionary, missing, threads=True, text=text)
    if bad.count:  # line numbers are known only to a single-threaded read
        table, bad = _read_csv(src, columns, dictionary, missing, threads=False, text=text)
    return _unclosed_quotes(src, table, bad, every_column=not columns), bad


# bytes pyarrow parses at a time: 8 MB blocks read 1M tickets 10 % faster than 4 MB
# (fewer chunks to convert and join) and 1 MB ones 15 % slower; types are inferred from
# the first block, so a larger one also sees more rows
CSV_BLOCK = 8 << 20
# a row larger than a block (a long free-text cell) cannot be parsed: the read starts
# again with blocks four times larger, up to this; a larger row is refused
CSV_ROW_MAX = 512 << 20


def _read_csv(
    src: Source,
    columns: list[str],
    dictionary: list[str],
    missing: tuple[str, ...],
    threads: bool,
    text: bool = False,
    one_line_rows: bool = False,
) -> tuple[pa.Table, Malformed]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    bad = Malformed()

    def on_bad_row(row: object) -> str:
        raw = str(getattr(row, "text", ""))
        # an unterminated quote may have swallowed whole lines into this row: they count
        swallowed = _swallowed_lines(raw, src.delimiter, len(src.header))
        bad.count += len(swallowed) or 1
        bad.expected = getattr(row, "expected_columns", 0)
        bad.found.add(getattr(row, "actual_columns", 0))
        number = getattr(row, "number", None)
        if number is not None:
            if len(bad.lines) < 5:
                bad.lines.append(int(number))
            if swallowed:
                bad.unclosed_quotes.append((int(number), len(swallowed)))
            for i, line in enumerate(swallowed or [raw]):
                if len(bad.all_lines) < _KEEP_LINES:
                    bad.all_lines.append((int(number) + i, line))
        return "skip"

    types = {c: pa.dictionary(pa.int32(), pa.string()) for c in dictionary if c in columns}
    if text:
        types = dict.fromkeys(src.header, pa.string())
    # pyarrow names the columns as the header writes them ("ticket_id, created_at" has
    # " created_at"): ask for those names, and give the table the trimmed ones
    written: dict[str, str] = {}
    for trimmed, raw in zip(src.header, src.raw_header or src.header, strict=False):
        written.setdefault(trimmed, raw)
    types = {written.get(c, c): t for c, t in types.items()}
    include = [written.get(c, c) for c in columns]
    encoding = src.encoding
    block = CSV_BLOCK
    for _attempt in range(8):
        bad = Malformed()  # the handler looks `bad` up when called
        read_opts = pacsv.ReadOptions(encoding=encoding, block_size=block, use_threads=threads)
        parse_opts = pacsv.ParseOptions(
            delimiter=src.delimiter,
            newlines_in_values=not one_line_rows,
            invalid_row_handler=on_bad_row,
        )
        conv_opts = pacsv.ConvertOptions(
            include_columns=include,
            column_types=types,
            null_values=[] if text else [*NULL_VALUES, *missing],
            strings_can_be_null=not text,
            quoted_strings_can_be_null=not text,
        )
        plain = src.data is None and not src.compressed
        # a file pyarrow opens itself cannot say how far it is read
        stream = arrow_file(src.path) if plain and not progress.active() else _stream(src)
        undecodable: list[Any] = []  # a line pyarrow could not hand to on_bad_row
        try:
            with _unraisable(undecodable), _bounded(stream), _measured(src, stream):
                table = pacsv.read_csv(
                    stream,
                    read_options=read_opts,
                    parse_options=parse_opts,
                    convert_options=conv_opts,
                )
        except pa.ArrowInvalid as exc:
            message = str(exc)
            if encoding == "utf8" and ("UTF8" in message or undecodable):
                encoding = src.encoding = MIXED  # bytes past the sniffed sample not UTF-8
                continue
            if "straddl" in message:  # a row longer than a block
                if block < CSV_ROW_MAX:
                    block *= 4
                    continue
                raise InputError(
                    f"a row longer than {CSV_ROW_MAX >> 20} MB",
                    path=src.display,
                    code="E003",
                    hint="a quote opened and never closed? Check the export",
                ) from exc
            raise InputError(_csv_message(message), path=src.display, code="E003") from exc
        except KeyError as exc:  # (a LookupError, but no encoding's)
            raise InputError(
                f"the CSV reader did not find a column of the header ({exc})",
                path=src.display,
                code="E004",
            ) from exc
        except (UnicodeDecodeError, LookupError) as exc:
            if encoding == "cp1252":
                encoding = src.encoding = "latin1"
                continue
            raise InputError(f"cannot decode text ({exc})", path=src.display, code="E006") from exc
        except OSError as exc:  # pyarrow's IOError: a damaged gzip stream, a failing disk
            if src.compressed:
                raise InputError(
                    f"corrupt gzip file ({exc})", path=src.display, code="E003"
                ) from exc
            raise InputError(f"cannot read: {exc}", path=src.display, code="E001") from exc
        if encoding == "utf8" and any(
            pa.types.is_binary(t) or pa.types.is_large_binary(t) for t in table.schema.types
        ):  # pyarrow reads a text column holding bytes that are not UTF-8 as binary
            encoding = src.encoding = MIXED
            continue
        if columns:
            table = table.rename_columns(list(columns))
        elif src.raw_header and table.num_columns == len(src.header):
            table = table.rename_columns(list(src.header))
        return table, bad
    raise AssertionError("unreachable")  # pragma: no cover


def _measured(src: Source, stream: Any) -> Any:
    """Progress in bytes while `stream` (of `_stream`) is read: the compressed bytes of
    a .csv.gz. A no-op unless progress is shown."""
    if not progress.active() or isinstance(stream, str):
        return contextlib.nullcontext()
    raw = stream.raw if isinstance(stream, _Capped) else stream
    size = len(src.data) if src.data is not None else os.path.getsize(os.fsencode(src.path))
    return progress.measured(
        f"reading {src.display}", size, "bytes", raw.tell, then=f"checking {src.display}"
    )


@contextlib.contextmanager
def _unraisable(caught: list[Any]) -> Iterator[None]:
    """Collect the exceptions pyarrow cannot raise (on_bad_row's arguments are decoded
    before the call: a line that is not UTF-8 fails there), instead of letting Python
    print them as 'Exception ignored … Traceback' on stderr. Others go to the old hook."""
    hook = sys.unraisablehook
    sys.unraisablehook = caught.append
    try:
        yield
    finally:
        sys.unraisablehook = hook
        for unraisable in caught:
            if not isinstance(unraisable.exc_value, UnicodeDecodeError):
                hook(unraisable)


# ------------------------------------------------------------ unterminated quotes
_MAX_RECORD_DELIMITERS = 20


def _record_delimiters(columns: int) -> int:
    """Delimiters on a line that make it look like a whole CSV row."""
    return max(1, min(columns - 1, _MAX_RECORD_DELIMITERS))


def _swallowed_lines(text: str, delimiter: str, columns: int) -> list[str]:
    """The physical lines of a record when lines after its first look like whole CSV rows
    (an unterminated quote swallowed them), else []."""
    if "\n" not in text and "\r" not in text:
        return []
    lines = _LINE_BREAK.split(text.rstrip("\r\n"))
    least = _record_delimiters(columns)
    if any(line.count(delimiter) >= least for line in lines[1:]):
        return lines
    return []


def _unclosed_quotes(src: Source, table: pa.Table, bad: Malformed, every_column: bool) -> pa.Table:
    """Take out the rows where a quote opened and never closed swallowed the lines after
    it into one cell; count them, with the swallowed lines, in `bad`.

    Such a cell holds whole CSV lines: a line break followed by a line with as many
    delimiters as a row has. The check is vectorised, and on the happy path it looks
    only at the bytes of each text column read (is there a line break at all?). The
    columns not read are looked at (a second, streaming read of every column as text)
    only when the sample shows such a cell, or when far fewer rows came out than the
    sample's bytes per row foretold: a short swallow in a column not read stays unseen."""
    import numpy as np

    delimiters = _record_delimiters(len(src.header))
    d = re.escape(src.delimiter)
    pattern = f"[\\r\\n][^\\r\\n]*(?:{d}[^\\r\\n]*){{{delimiters}}}"
    hit = np.zeros(table.num_rows, dtype=bool)
    cells: dict[int, str] = {}  # row -> a swallowing cell (to find its line)
    _mark(table.columns, 0, pattern, hit, cells)
    if not hit.any() and not every_column and _rows_missing(src, table.num_rows + bad.count):
        _mark_every_column(src, pattern, hit, cells)
    if not hit.any():
        return table
    rows = np.flatnonzero(hit)
    located = _locate_records(src, set(cells.values()))
    lines: list[tuple[int, str]] = []
    for r in rows.tolist():
        where = located.get(cells.get(r, ""))
        if where is None:  # not found again: count the lines the cell holds
            bad.count += len(_LINE_BREAK.findall(cells.get(r, ""))) + 1
            continue
        first, record = where
        bad.count += len(record)
        bad.unclosed_quotes.append((first, len(record)))
        lines += [(first + i, text.rstrip("\r\n")) for i, text in enumerate(record)]
    bad.expected = bad.expected or len(src.header)
    bad.found.add(len(src.header))
    bad.lines = sorted({*bad.lines, *(first for first, _ in bad.unclosed_quotes)})[:5]
    bad.all_lines = sorted(bad.all_lines + lines)[:_KEEP_LINES]
    from supportkpi.io.arrownp import bools  # (pa.array(ndarray) would import pandas)

    return table.filter(bools(~hit))


def _mark(
    columns: list[Any], offset: int, pattern: str, hit: np.ndarray, cells: dict[int, str]
) -> None:
    """Mark in `hit` the rows (from `offset`) where a cell of `columns` swallowed lines."""
    for col in columns:
        start = offset
        for chunk in getattr(col, "chunks", [col]):
            rows = _swallowing(chunk, pattern)
            if rows is not None and len(rows):
                hit[start + rows] = True
                for r in rows[:100].tolist():
                    cells.setdefault(start + r, str(chunk[r].as_py()))
            start += len(chunk)


def _rows_missing(src: Source, rows: int) -> bool:
    """Whether lines may have gone missing in columns not read: the sample shows a cell
    that swallowed lines, or the file gave under two thirds of the rows its size foretells
    (a false alarm costs one more reading, never a count)."""
    if src.sample_swallows:
        return True
    if src.compressed:
        return False  # the size of the text is not known
    if src.data is not None:
        size = len(src.data)
    else:
        try:
            size = os.path.getsize(src.path)
        except OSError:
            return False
    if src.sample_rows < 10 or size <= src.sample_bytes:  # the sample is the whole file
        return False
    return rows < 2 / 3 * size * src.sample_rows / src.sample_bytes


def _mark_every_column(src: Source, pattern: str, hit: np.ndarray, cells: dict[int, str]) -> None:
    """`_mark` over every column of the file, read again as text, in a stream (a batch at
    a time: bounded memory). The same parser skips the same lines, so rows line up; if
    the count differs nothing is marked."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pacsv

    def options(types: dict[str, Any]) -> dict[str, Any]:
        return {
            "read_options": pacsv.ReadOptions(encoding=src.encoding, block_size=CSV_BLOCK),
            "parse_options": pacsv.ParseOptions(
                delimiter=src.delimiter,
                newlines_in_values=True,
                invalid_row_handler=lambda _row: "skip",
            ),
            "convert_options": pacsv.ConvertOptions(column_types=types),
        }

    found = np.zeros(len(hit), dtype=bool)
    seen: dict[int, str] = {}
    offset = 0
    try:
        with pacsv.open_csv(_stream(src), **options({})) as reader:
            names = reader.schema.names  # as pyarrow reads the header
        with pacsv.open_csv(_stream(src), **options(dict.fromkeys(names, pa.string()))) as reader:
            for batch in reader:
                if offset + batch.num_rows > len(found):
                    return
                _mark(batch.columns, offset, pattern, found, seen)
                offset += batch.num_rows
    except (pa.ArrowException, OSError, EOFError, UnicodeError, ValueError):
        return  # the file read once already: a second reading that fails changes nothing
    if offset == len(found):
        hit |= found
        cells.update(seen)


def _stream(src: Source) -> Any:
    """The text of a source as a stream (gzip decompressed, within its `gzip_ratio`)."""
    import pyarrow as pa

    # a file by its bytes: pyarrow takes UTF-8 names only (see arrow_file)
    path = os.fsencode(src.path)
    raw = pa.BufferReader(src.data) if src.data is not None else pa.OSFile(path)
    if not src.compressed:
        return raw
    return _Capped(pa.CompressedInputStream(raw, "gzip"), raw, src)


class TooLarge(InputError):
    """An input past a limit: reading it again another way would not help."""


class _Capped(io.RawIOBase):
    """Decompressed text that may not run more than `gzip_ratio` times ahead of the
    compressed bytes read (plus GZIP_SLACK): a .csv.gz of 10 MB may hold 4 GB of text,
    and the table read from it more. Checked as it goes, a bomb stops within the first
    hundred MB or so; the most any .csv.gz gives is gzip_ratio times its size.

    Past the limit it ends the text (an exception raised inside pyarrow's reading
    threads left the process hanging at exit); `_bounded` then refuses the input."""

    def __init__(self, stream: Any, raw: Any, src: Source) -> None:
        super().__init__()
        self.stream, self.raw, self.src = stream, raw, src
        self.given, self.over = 0, False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.over:
            return b""
        data: bytes = self.stream.read(size if size >= 0 else None)
        self.given += len(data)
        if self.given > self.src.gzip_ratio * self.raw.tell() + GZIP_SLACK:
            self.over = True
            return b""
        return data

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self.stream.close()
        super().close()


@contextlib.contextmanager
def _bounded(stream: object) -> Iterator[None]:
    """Refuse a gzip input whose text ran past its limit, whatever the read made of the
    text cut short (the refusal replaces a parse error it caused)."""
    try:
        yield
    finally:
        if isinstance(stream, _Capped) and stream.over:
            src = stream.src
            raise TooLarge(
                f"the gzip text runs more than {src.gzip_ratio} times ahead of the compressed"
                " bytes (limits.gzip_ratio): a decompression bomb?",
                path=src.display,
                code="E003",
                hint="if the export is real, decompress it to a file, or raise"
                " limits.gzip_ratio in targets.yaml",
            )


def _swallowing(chunk: pa.Array, pattern: str) -> np.ndarray | None:
    """Rows of one chunk whose text holds a line break then a whole CSV line."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    values = chunk.dictionary if pa.types.is_dictionary(chunk.type) else chunk
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return None
    data = values.buffers()[2]
    if data is None or not data.size:
        return None
    raw = np.frombuffer(data, dtype=np.uint8)
    if raw.min() > 13 or not ((raw == 10) | (raw == 13)).any():
        return None  # no line break anywhere: the usual case, decided at memory speed
    match = pc.fill_null(pc.match_substring_regex(values, pattern), False)
    if not pc.any(match).as_py():
        return None
    if values is not chunk:  # dictionary: from the distinct values to the rows
        match = pc.fill_null(pc.take(match, chunk.indices), False)
    return np.flatnonzero(match.to_numpy(zero_copy_only=False))


def _locate_records(src: Source, cells: set[str]) -> dict[str, tuple[int, list[str]]]:
    """Where each of these multi-line cells is in the file: (first physical line, the raw
    lines of its record). Python's csv module, line by line: only run on broken files."""
    found: dict[str, tuple[int, list[str]]] = {}
    record: list[str] = []

    def lines(fh: io.TextIOWrapper) -> Iterator[str]:
        for line in fh:
            record.append(line)
            yield line

    limit = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)  # the swallowing cell can be most of the file
    try:
        with _open_text(src) as fh:
            reader = csv.reader(lines(fh), delimiter=src.delimiter)
            for fields in reader:
                if len(record) > 1:
                    for value in fields:
                        if value in cells and value not in found:
                            found[value] = (reader.line_num - len(record) + 1, list(record))
                    if len(found) == len(cells):
                        break
                record.clear()
    except (csv.Error, OSError, EOFError, zlib.error, UnicodeError):
        pass  # cells not found are still counted, by their own line breaks
    finally:
        csv.field_size_limit(limit)
    return found


def _open_text(src: Source) -> io.TextIOWrapper:
    raw: Any
    if src.compressed:
        raw = io.BufferedReader(_stream(src))
    elif src.data is not None:
        raw = io.BytesIO(src.data)
    else:
        raw = open(src.path, "rb")  # noqa: SIM115 (closed with the wrapper)
    encoding = "utf-8-sig" if src.encoding == "utf8" else src.encoding
    return io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")


# ------------------------------------------------------------- Parquet columns
def _single_values(src: Source, columns: list[str]) -> None:
    """Parquet columns must hold one value per row: a list, map or record column that a
    KPI or a breakdown reads is refused (the first of two same-named columns is read)."""
    import pyarrow as pa

    for name in columns:
        t = src.types[src.header.index(name)]
        t = t.value_type if pa.types.is_dictionary(t) else t
        if pa.types.is_nested(t):
            what = "records" if pa.types.is_struct(t) else "maps" if pa.types.is_map(t) else "lists"
            raise InputError(
                f"column {name} holds {what} ({t}), expected single values",
                path=src.display,
                code="E003",
                hint="flatten the column in the export, or leave it out of the mapping",
            )


def _first_of_each_name(table: pa.Table) -> pa.Table:
    """A Parquet file may name two columns alike: the first is read, as in a CSV (the
    load reports E008)."""
    first: dict[str, int] = {}
    for i, name in enumerate(table.column_names):
        first.setdefault(name, i)
    return table if len(first) == table.num_columns else table.select(list(first.values()))


def _text_as_text(src: Source, table: pa.Table) -> pa.Table:
    """Text must be text: a binary Parquet column is read as text when it is UTF-8, and
    refused when it is not."""
    import pyarrow as pa

    for i, (name, col) in enumerate(zip(table.column_names, table.columns, strict=True)):
        t = col.type.value_type if pa.types.is_dictionary(col.type) else col.type
        if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
            table = table.set_column(i, name, _utf8(src, name, col))
    return table


def _utf8(src: Source, name: str, col: pa.ChunkedArray) -> pa.ChunkedArray:
    import pyarrow as pa

    if pa.types.is_dictionary(col.type):
        target: pa.DataType = pa.dictionary(col.type.index_type, pa.string())
        via = pa.dictionary(col.type.index_type, pa.binary())
    else:
        target = pa.large_string() if pa.types.is_large_binary(col.type) else pa.string()
        via = pa.large_binary() if pa.types.is_large_binary(col.type) else pa.binary()
    try:
        return col.cast(via).cast(target)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        row = 0
        for value in col.to_pylist():  # only when it fails: find the first bad value
            row += 1
            if isinstance(value, bytes):
                try:
                    value.decode("utf-8")
                except UnicodeDecodeError:
                    break
        raise InputError(
            f"column {name} holds bytes that are not UTF-8 text (row {row})",
            path=src.display,
            code="E006",
        ) from exc


def _csv_message(text: str) -> str:
    # pyarrow: "CSV parse error: Expected 5 columns, got 3: ..." -> keep it short
    text = text.replace("\n", " ")
    if len(text) > 200:
        text = text[:200] + "…"
    return f"cannot parse CSV: {text}"
