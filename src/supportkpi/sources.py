"""Finding and opening export files: paths, folders, globs, stdin; CSV dialect and encoding.

Nothing here knows about KPIs. `expand()` turns what the user typed into concrete
sources; `open_source()` sniffs one (format, encoding, delimiter, header) cheaply, and
`read_columns()` reads only the named columns with pyarrow.
Inputs are opened read-only and never written.
"""

from __future__ import annotations

import csv
import glob
import gzip
import io
import os
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import InputError

if TYPE_CHECKING:
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
_DATA_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".txt", ".parquet", ".pq", ".gz")


@dataclass
class Source:
    """One export file (or stdin), sniffed."""

    path: str  # as the user named it ('-' for stdin)
    kind: str = "csv"  # csv | parquet
    encoding: str = "utf8"
    delimiter: str = ","
    header: list[str] = field(default_factory=list)
    data: bytes | None = None  # stdin content (read once)
    compressed: bool = False

    @property
    def display(self) -> str:
        return "<stdin>" if self.path == "-" else self.path


def expand(specs: list[str], input_name: str) -> list[str]:
    """Paths named by the user: files, folders (their data files), globs, or '-'."""
    out: list[str] = []
    for spec in specs:
        if spec == "-":
            out.append(spec)
        elif os.path.isdir(spec):
            found = sorted(
                os.path.join(spec, f)
                for f in os.listdir(spec)
                if f.lower().endswith(_DATA_SUFFIXES) and not f.startswith(".")
            )
            if not found:
                raise InputError(
                    "folder holds no .csv, .csv.gz or .parquet files",
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
            if not os.path.exists(spec):
                raise InputError(
                    "no such file",
                    path=spec,
                    code="E001",
                    hint=f"check the path given to --{input_name}",
                )
            out.append(spec)
    return out


def _read_head(src: Source) -> bytes:
    if src.path == "-":
        if src.data is None:
            src.data = sys.stdin.buffer.read()
        raw = src.data
        if raw[:2] == b"\x1f\x8b":
            src.compressed = True
            raw = gzip.decompress(raw)
            src.data = raw
        return raw[:SNIFF_BYTES]
    try:
        with open(src.path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", path=src.path, code="E001") from exc
    if head[:2] == b"\x1f\x8b":
        src.compressed = True
        try:
            with gzip.open(src.path, "rb") as fh:
                head = fh.read(SNIFF_BYTES)
        except (OSError, EOFError) as exc:
            raise InputError(f"corrupt gzip file: {exc}", path=src.path, code="E003") from exc
    return head


def _decode_sample(head: bytes, path: str) -> tuple[str, str]:
    """(encoding, text) of the sniffed bytes: UTF-8 (± BOM), else cp1252, else Latin-1."""
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    # a multi-byte character may be cut at the end of the sample
    for cut in range(4):
        try:
            return "utf8", head[: len(head) - cut].decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:
                break
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            "UTF-16 text is not supported",
            path=path,
            code="E006",
            hint="save the export as UTF-8 CSV",
        )
    try:
        return "cp1252", head.decode("cp1252")
    except UnicodeDecodeError:
        return "latin1", head.decode("latin-1")


def _sniff_delimiter(text: str) -> str:
    lines = text.splitlines()[:50]
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


def open_source(path: str) -> Source:
    """Sniff one source: Parquet or CSV; for CSV the encoding, delimiter and header."""
    src = Source(path)
    head = _read_head(src)
    if head.startswith(b"PAR1"):
        src.kind = "parquet"
        src.header = _parquet_columns(src)
        return src
    if path.lower().endswith((".parquet", ".pq")):
        raise InputError("not a Parquet file (no PAR1 magic bytes)", path=src.display, code="E003")
    if path.lower().endswith((".xlsx", ".xls", ".xlsm")) or head.startswith(b"PK\x03\x04"):
        raise InputError(
            "Excel workbooks are not read",
            path=src.display,
            code="E003",
            hint="export the sheet as CSV",
        )
    if not head.strip():
        raise InputError("empty file: no header row", path=src.display, code="E002")
    if b"\x00" in head:
        raise InputError(
            "binary data, not a CSV file",
            path=src.display,
            code="E003",
            hint="give a CSV (.csv, .csv.gz) or Parquet export",
        )
    src.encoding, text = _decode_sample(head, src.display)
    src.delimiter = _sniff_delimiter(text)
    first = next(csv.reader(io.StringIO(text), delimiter=src.delimiter), [])
    src.header = [h.strip() for h in first]
    if not any(src.header):
        raise InputError("empty header row", path=src.display, code="E002")
    return src


def _parquet_columns(src: Source) -> list[str]:
    import pyarrow.parquet as pq

    try:
        return list(pq.ParquetFile(_parquet_handle(src)).schema_arrow.names)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise InputError(
            f"corrupt or truncated Parquet file ({exc})", path=src.display, code="E003"
        ) from exc


def _parquet_handle(src: Source) -> object:
    if src.data is not None:
        import pyarrow as pa

        return pa.BufferReader(src.data)
    return src.path


@dataclass
class Malformed:
    """CSV lines with the wrong number of fields (skipped, counted)."""

    lines: list[int] = field(default_factory=list)  # physical line numbers (1 = header)
    count: int = 0
    expected: int = 0
    found: set[int] = field(default_factory=set)
    all_lines: list[tuple[int, str]] = field(default_factory=list)  # (line, text), capped


def read_columns(
    src: Source, columns: list[str], dictionary: list[str], missing: tuple[str, ...] = ()
) -> tuple[pa.Table, Malformed]:
    """Read only `columns` (export names) of one source.

    `dictionary` columns arrive dictionary-encoded (cheap grouping). CSV lines with too
    many or too few fields are skipped and returned in `Malformed`, never guessed at.
    """

    if src.kind == "parquet":
        import pyarrow.parquet as pq

        try:
            # ParquetFile.read, not read_table: read_table imports pyarrow.dataset, and
            # with it pandas (~0.15 s of start-up) for nothing
            pf = pq.ParquetFile(
                _parquet_handle(src), read_dictionary=[c for c in dictionary if c in columns]
            )
            return pf.read(columns=columns, use_threads=True), Malformed()
        except Exception as exc:
            raise InputError(
                f"corrupt or truncated Parquet file ({exc})", path=src.display, code="E003"
            ) from exc

    table, bad = _read_csv(src, columns, dictionary, missing, threads=True)
    if bad.count:  # line numbers are known only to a single-threaded read
        table, bad = _read_csv(src, columns, dictionary, missing, threads=False)
    return table, bad


def _read_csv(
    src: Source,
    columns: list[str],
    dictionary: list[str],
    missing: tuple[str, ...],
    threads: bool,
) -> tuple[pa.Table, Malformed]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    bad = Malformed()

    def on_bad_row(row: object) -> str:
        bad.count += 1
        bad.expected = getattr(row, "expected_columns", 0)
        bad.found.add(getattr(row, "actual_columns", 0))
        number = getattr(row, "number", None)
        if number is not None:
            if len(bad.lines) < 5:
                bad.lines.append(int(number))
            if len(bad.all_lines) < 100_000:
                bad.all_lines.append((int(number), str(getattr(row, "text", ""))))
        return "skip"

    types = {c: pa.dictionary(pa.int32(), pa.string()) for c in dictionary if c in columns}
    encoding = src.encoding
    for attempt in range(2):
        bad = Malformed()  # the handler looks `bad` up when called
        read_opts = pacsv.ReadOptions(encoding=encoding, block_size=1 << 22, use_threads=threads)
        parse_opts = pacsv.ParseOptions(
            delimiter=src.delimiter, newlines_in_values=True, invalid_row_handler=on_bad_row
        )
        conv_opts = pacsv.ConvertOptions(
            include_columns=columns,
            column_types=types,
            null_values=[*NULL_VALUES, *missing],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        )
        stream: object
        if src.data is not None:
            stream = pa.BufferReader(src.data)
        elif src.compressed:
            stream = pa.input_stream(src.path, compression="gzip")
        else:
            stream = src.path
        try:
            table = pacsv.read_csv(
                stream, read_options=read_opts, parse_options=parse_opts, convert_options=conv_opts
            )
            return table, bad
        except pa.ArrowInvalid as exc:
            text = str(exc)
            if "UTF8" in text and attempt == 0 and encoding == "utf8":
                encoding = "cp1252"  # invalid UTF-8 past the sniffed sample
                src.encoding = encoding
                continue
            raise InputError(_csv_message(text), path=src.display, code="E003") from exc
        except (UnicodeDecodeError, LookupError) as exc:
            if attempt == 0 and encoding != "latin1":
                encoding = "latin1"
                src.encoding = encoding
                continue
            raise InputError(f"cannot decode text ({exc})", path=src.display, code="E006") from exc
    raise AssertionError("unreachable")  # pragma: no cover


def _csv_message(text: str) -> str:
    # pyarrow: "CSV parse error: Expected 5 columns, got 3: ..." -> keep it short
    text = text.replace("\n", " ")
    if len(text) > 200:
        text = text[:200] + "…"
    return f"cannot parse CSV: {text}"
