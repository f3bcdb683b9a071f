"""The documented commands run as documented, so the docs cannot drift from the tool.

Every `supportkpi …` command in README.md and docs/*.md (fenced shell blocks and inline
code) and in the examples of every `--help` is run with the installed console script, in
a folder laid out like a user's (FOLDERS, made by MADE_FROM). It must exit as the docs
say, write the files it names, and show no traceback. A documented command is run, or
listed in NOT_RUN with the reason: a new command in the docs is never silently ignored.
"""

from __future__ import annotations

import csv
import os
import re
import shlex
import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import ROOT, Run, run, sh

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
EXAMPLES = ROOT / "examples"
FIXTURES = ROOT / "tests" / "fixtures"
CASE_059 = FIXTURES / "prepbench" / "case_059_it_ticket_sla" / "inputs"
CASE_122 = FIXTURES / "prepbench" / "case_122_airline_nps" / "inputs"
UCI_200 = FIXTURES / "servicenow" / "incident_event_log_200.csv"

SHELL_BLOCKS = {"", "sh", "bash", "console", "shell", "shell-session"}
CRON_FIELD = re.compile(r"[\d*/,-]+")
ENV_ASSIGNMENT = re.compile(r"[A-Z_][A-Z0-9_]*=\S*")
# shell operators the commands may use; anything else (subshells, input redirection)
# is not understood here and fails at collection
SEPARATORS = {"&&", "||", ";", "|", "&"}
TO_STDOUT = {">", ">>"}
OUTPUT_OPTIONS = {"-o", "--output", "--out", "--rejects"}


# ------------------------------------------------------------------ what the docs say


@dataclass
class Documented:
    """One command as the docs write it."""

    argv: tuple[str, ...]  # after `supportkpi`
    where: str  # README.md:52, or `supportkpi compute --help`
    section: str = ""  # the Markdown heading it is under
    stdout_to: str | None = None  # `> FILE`
    exit_comment: int | None = None  # `# exit 1 when …` after it
    env: tuple[tuple[str, str], ...] = ()  # `SUPPORTKPI_CONFIG=… supportkpi …`

    @property
    def text(self) -> str:
        line = shlex.join(["supportkpi", *self.argv])
        return f"{line} > {self.stdout_to}" if self.stdout_to else line


def split_comment(line: str) -> tuple[str, str]:
    """The code and the `# comment` of a shell line: `#` starts a comment only at the
    start of a word and outside quotes (shlex would cut `a#b` too)."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i], line[i + 1 :]
    return line, ""


def is_supportkpi(word: str) -> bool:
    return word == "supportkpi" or word.endswith("/supportkpi")  # .venv/bin/supportkpi


def parse_commands(line: str, where: str) -> list[Documented]:
    """The supportkpi commands of one shell line: at its start, after `&&`, `;` or `|`,
    or after a cron schedule (`*/10 * * * * supportkpi …`)."""
    code, comment = split_comment(line)
    lexer = shlex.shlex(code, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    segments: list[list[str]] = [[]]
    for token in lexer:
        if token in SEPARATORS:
            segments.append([])
        else:
            segments[-1].append(token)
    said = re.search(r"\bexits? (\d)\b", comment)
    found = []
    for words in segments:
        if len(words) > 5 and all(CRON_FIELD.fullmatch(w) for w in words[:5]):
            words = words[5:]
        env = []
        while words and ENV_ASSIGNMENT.fullmatch(words[0]):
            name, _, value = words.pop(0).partition("=")
            env.append((name, value))
        if not words or not is_supportkpi(words[0]):
            continue
        argv: list[str] = []
        stdout_to = None
        rest = iter(words[1:])
        for word in rest:
            if word in TO_STDOUT:
                stdout_to = next(rest)
            elif set(word) <= set("<>()&|;"):
                raise ValueError(f"{where}: shell syntax {word!r} is not understood: {line}")
            else:
                argv.append(word)
        exit_comment = int(said.group(1)) if said else None
        found.append(
            Documented(
                tuple(argv), where, stdout_to=stdout_to, exit_comment=exit_comment, env=tuple(env)
            )
        )
    return found


def logical_lines(lines: list[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """Lines with their `\\` continuations joined, numbered by their first line."""
    start, parts = 0, []
    for number, text in lines:
        if not parts:
            start = number
        if text.rstrip().endswith("\\"):
            parts.append(text.rstrip()[:-1])
            continue
        parts.append(text)
        yield start, " ".join(p.strip() for p in parts)
        parts = []
    if parts:
        yield start, " ".join(p.strip() for p in parts)


@dataclass
class Block:
    lang: str
    first_line: int
    lines: list[str] = field(default_factory=list)


def markdown_parts(path: Path) -> Iterator[tuple[str, Block | None, str, int]]:
    """(section, fenced block, prose, line) in order: a block's prose is ''."""
    section, block, prose, prose_start = "", None, [], 1
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        fence = re.match(r"\s*(```|~~~)\s*([\w+-]*)", line)
        if block is not None:
            if fence and not fence.group(2):
                yield section, block, "", block.first_line
                block = None
                prose_start = number + 1
            else:
                block.lines.append(line)
        elif fence:
            yield section, None, "\n".join(prose), prose_start
            prose = []
            block = Block(fence.group(2).lower(), number + 1)
        else:
            heading = re.match(r"#+\s+(.*)", line)
            if heading:
                yield section, None, "\n".join(prose), prose_start
                section, prose, prose_start = heading.group(1).strip(), [], number + 1
            else:
                prose.append(line)
    yield section, None, "\n".join(prose), prose_start


INLINE_CODE = re.compile(r"`((?:[^`\n]|\n(?!\s*\n))+)`")


def doc_commands(path: Path) -> list[Documented]:
    name = path.relative_to(ROOT).as_posix()
    found: list[Documented] = []
    for section, block, prose, start in markdown_parts(path):
        if block is not None and block.lang in SHELL_BLOCKS:
            numbered = list(enumerate(block.lines, block.first_line))
            for number, line in logical_lines(numbered):
                line = re.sub(r"^\s*\$\s+", "", line)  # a console prompt
                for cmd in parse_commands(line, f"{name}:{number}"):
                    cmd.section = section
                    found.append(cmd)
        for span in INLINE_CODE.finditer(prose):
            text = " ".join(span.group(1).split())
            if re.match(r"supportkpi\s", text):
                number = start + prose.count("\n", 0, span.start())
                for cmd in parse_commands(text, f"{name}:{number}"):
                    cmd.section = section
                    found.append(cmd)
    return found


def help_texts() -> dict[str, str]:
    """`supportkpi --help` and each command's --help, as printed."""
    top = run("--help").out
    names = re.findall(r"^  (\S+)  ", top.split("Commands:", 1)[1], re.M)
    assert names, "supportkpi --help lists no commands"
    texts = {"supportkpi --help": top}
    for name in names:
        shown = run(name, "--help")
        assert shown.code == 0, f"supportkpi {name} --help exited {shown.code}"
        texts[f"supportkpi {name} --help"] = shown.out
    return texts


def help_commands(texts: dict[str, str]) -> list[Documented]:
    """The examples of `supportkpi --help` (Get started) and of each command's --help."""
    found = []
    for where, text in texts.items():
        blocks = re.findall(r"^ +(?:Examples|Get started):\n((?: +\S.*\n?)+)", text, re.M)
        assert blocks, f"`{where}` shows no examples"
        lines = [(0, line) for block in blocks for line in block.splitlines()]
        for _, line in logical_lines(lines):
            parsed = parse_commands(line, f"`{where}`")
            assert parsed, f"`{where}`: the example {line.strip()!r} runs no supportkpi command"
            found += parsed
    return found


# ------------------------------------------------------------------ the user's folders


def copy_of(source: Path) -> Callable[[Path], None]:
    return lambda target: shutil.copyfile(source, target)


def rows_of(source: Path) -> tuple[list[str], list[list[str]]]:
    with source.open(newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    return header, rows


def write_rows(target: Path, header: list[str], rows: list[list[str]]) -> None:
    with target.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])


def open_tickets(target: Path) -> None:
    header, rows = rows_of(EXAMPLES / "tickets.csv")
    resolved = header.index("Resolved At")
    write_rows(target, header, [r for r in rows if not r[resolved]])


def in_two_files(source: Path) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        header, rows = rows_of(source)
        folder.mkdir()
        half = len(rows) // 2
        write_rows(folder / "part-1.csv", header, rows[:half])
        write_rows(folder / "part-2.csv", header, rows[half:])

    return make


def as_parquet(source: Path) -> Callable[[Path], None]:
    def make(target: Path) -> None:
        import pyarrow.csv
        import pyarrow.parquet

        pyarrow.parquet.write_table(pyarrow.csv.read_csv(source), target)

    return make


ZENDESK_NAMES = {
    "Ticket ID": "Id",
    "Created At": "Created at",
    "Resolved At": "Solved at",
    "Channel": "Via",
    "Agent": "Assignee",
    "Team": "Group",
    "Customer ID": "Requester id",
    "Agent Replies": "Replies",
}


def zendesk_tickets(target: Path) -> None:
    header, rows = rows_of(EXAMPLES / "tickets.csv")
    write_rows(target, [ZENDESK_NAMES.get(h, h) for h in header], rows)


def empty_folder(target: Path) -> None:
    target.mkdir(parents=True)


def copy_tree(source: Path) -> Callable[[Path], None]:
    return lambda target: shutil.copytree(source, target)


# Each file or folder name the documented commands use, and what makes it. The docs'
# absolute paths (/exports/open.csv) are under ROOTED in the folder.
ROOTED = "root"
MADE_FROM: dict[str, Callable[[Path], None]] = {
    "examples": copy_tree(EXAMPLES),  # the project folder: targets.yaml names examples/
    "targets.yaml": copy_of(ROOT / "targets.yaml"),
    "tickets.csv": copy_of(EXAMPLES / "tickets.csv"),
    "t.csv": copy_of(EXAMPLES / "tickets.csv"),
    "export.csv": copy_of(EXAMPLES / "tickets.csv"),
    "open.csv": open_tickets,
    "open_tickets.csv": open_tickets,
    "root/exports/open.csv": open_tickets,
    "root/var/lib/node_exporter": empty_folder,
    "root/etc/supportkpi/targets.yaml": copy_of(ROOT / "targets.yaml"),  # SUPPORTKPI_CONFIG=
    "surveys.csv": copy_of(EXAMPLES / "surveys.csv"),
    "surveys.parquet": as_parquet(EXAMPLES / "surveys.csv"),
    "credits.csv": copy_of(EXAMPLES / "credits.csv"),
    "customers.csv": copy_of(EXAMPLES / "customers.csv"),
    "agents.csv": copy_of(EXAMPLES / "agents.csv"),
    "status_changes.csv": copy_of(EXAMPLES / "events.csv"),
    "comments.csv": copy_of(EXAMPLES / "comments.csv"),
    "exports": in_two_files(EXAMPLES / "tickets.csv"),
    "lake/tickets": in_two_files(EXAMPLES / "tickets.csv"),
    "lake/surveys/surveys.parquet": as_parquet(EXAMPLES / "surveys.csv"),
    "demo": copy_tree(EXAMPLES),  # the README: examples/ is `supportkpi demo --out examples`
    "incident_event_log.csv": copy_of(UCI_200),
    "zendesk_tickets.csv": zendesk_tickets,
    "team": empty_folder,  # `supportkpi init team/targets.yaml` writes into it
    "docs": empty_folder,  # `supportkpi kpis --docs > docs/definitions.md`
}


def prepare_user(folder: Path) -> None:
    for name, make in MADE_FROM.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        make(folder / name)


def prepare_new_user(folder: Path) -> None:
    """The user's folder before `supportkpi init`: no targets.yaml yet."""
    prepare_user(folder)
    (folder / "targets.yaml").unlink()


# The real exports beside the repository (../shared/realdata: a clone of CI's too), which
# docs/realdata.md's recipes read from the repository's root, and the copies of some of
# them that tests/fixtures holds, by their path under realdata/.
REALDATA = ROOT.parent / "shared" / "realdata"
REALDATA_ARG = "../shared/realdata/"
FIXTURE_COPIES = {
    "prepbench-answer-keys/case_059_it_ticket_sla/inputs": CASE_059,
    "prepbench-answer-keys/case_122_airline_nps/inputs": CASE_122,
    "uci-incident-event-log/incident_event_log.csv": UCI_200,  # its first 200 incidents
}
REPO = "repo"  # the repository's root in a realdata folder, beside `shared`


def repository(folder: Path) -> None:
    """What the recipes read of the repository: examples/ (with examples/realdata/) and
    targets.yaml, the config of a command without --config."""
    shutil.copytree(EXAMPLES, folder / REPO / "examples")
    shutil.copyfile(ROOT / "targets.yaml", folder / REPO / "targets.yaml")


def real_exports(folder: Path) -> None:
    repository(folder)
    (folder / "shared").symlink_to(REALDATA.parent, target_is_directory=True)


def fixture_copies(folder: Path) -> None:
    repository(folder)
    for name, copy in FIXTURE_COPIES.items():
        made = folder / "shared" / "realdata" / name
        made.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if copy.is_dir() else shutil.copyfile)(copy, made)


@dataclass(frozen=True)
class Folder:
    prepare: Callable[[Path], None]
    # the exit codes the docs give for these commands on this folder's data
    exits: dict[str, int] = field(default_factory=dict)
    cwd: str = ""  # where in the folder the commands run


FOLDERS = {
    "user": Folder(
        prepare_user,
        {
            # README: sla-check exits 1 when a priority misses its compliance goal; the
            # examples' P1 tickets are resolved in time 83 % of the time against 99 %
            "sla-check": 1,
            # README: validate exits 1 on problems; the examples carry bad rows on purpose
            "validate": 1,
        },
    ),
    "new user": Folder(prepare_new_user),
    "realdata": Folder(real_exports, cwd=REPO),
    "realdata copies": Folder(fixture_copies, cwd=REPO),
}


def realdata_args(argv: tuple[str, ...]) -> list[str]:
    """The arguments naming a real export, relative to realdata/."""
    return [a.removeprefix(REALDATA_ARG) for a in argv if a.startswith(REALDATA_ARG)]


def folders_of(cmd: Documented) -> list[str]:
    if realdata_args(cmd.argv):
        return ["realdata", "realdata copies"]
    return ["new user" if cmd.argv[:1] == ("init",) else "user"]


def not_in_fixtures(argv: tuple[str, ...]) -> str | None:
    """Why a realdata command cannot run on tests/fixtures' copies, or None when it can."""
    for arg in realdata_args(argv):
        if not any(arg == name or arg.startswith(name + "/") for name in FIXTURE_COPIES):
            return f"tests/fixtures holds no copy of ../shared/realdata/{arg}"
    return None


# ------------------------------------------------------------------ not run as written


NOT_RUN = {
    "supportkpi explain KPI": "a syntax line: KPI stands for a KPI's name",
    "supportkpi explain KPI --where DIM=VALUE -o rows.csv": "a syntax line with placeholders",
    "supportkpi demo --out DIR": "a syntax line: DIR stands for a folder",
    "supportkpi --install-completion": "writes into the user's shell start-up files",
    # the shell is detected from the process tree (a test's may have none): the script
    # and the completions are tested with the shell named, in test_cli_polish.py
    "supportkpi --show-completion": "prints the completion script of the calling shell",
}
# run with less data than the docs say, to keep this module quick: (argument, instead)
SMALLER = {
    "supportkpi demo --out big/ --tickets 1000000 --format parquet": ("1000000", "2000"),
}
# documented commands that fail because the tool is wrong; strict, so that the fix
# fails the test until its mark is removed
KNOWN_TOOL_BUGS: dict[str, str] = {}


@dataclass
class ToRun:
    text: str  # as documented
    argv: tuple[str, ...]  # as run
    folder: str
    exit: int
    stdout_to: str | None
    where: list[str]
    env: tuple[tuple[str, str], ...] = ()


def expected_exit(cmd: Documented, folder: str) -> int:
    if cmd.exit_comment is not None:  # `# exits 2: …` beside the command
        return cmd.exit_comment
    if "--strict" in cmd.argv:
        return 1  # README: exit 1 with --strict when a KPI missed its target
    verb = cmd.argv[0] if cmd.argv else ""
    return FOLDERS[folder].exits.get(verb, 0)


def to_run(documented: list[Documented]) -> list[ToRun]:
    """One run for the same command on the same data, wherever the docs show it."""
    runs: dict[tuple[object, ...], ToRun] = {}
    for cmd in documented:
        argv = cmd.argv
        if cmd.text in SMALLER:
            big, small = SMALLER[cmd.text]
            argv = tuple(small if a == big else a for a in argv)
        for folder in folders_of(cmd):
            key = (argv, folder, cmd.stdout_to, cmd.env)
            if key in runs:
                runs[key].where.append(cmd.where)
            else:
                exit_code = expected_exit(cmd, folder)
                runs[key] = ToRun(
                    cmd.text, argv, folder, exit_code, cmd.stdout_to, [cmd.where], cmd.env
                )
    return list(runs.values())


HELP = help_texts()
DOCUMENTED = [cmd for path in DOCS for cmd in doc_commands(path)] + help_commands(HELP)
RUNS = to_run(DOCUMENTED)


def as_param(r: ToRun) -> object:
    marks = []
    if r.text in NOT_RUN:
        marks.append(pytest.mark.skip(reason=NOT_RUN[r.text]))
    elif r.folder == "realdata" and not REALDATA.is_dir():
        marks.append(pytest.mark.skip(reason=f"no {REALDATA} beside the repository"))
    elif r.folder == "realdata copies" and not_in_fixtures(r.argv):
        marks.append(pytest.mark.skip(reason=not_in_fixtures(r.argv)))
    if r.text in KNOWN_TOOL_BUGS:
        marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_TOOL_BUGS[r.text]))
    shown = shlex.join(["supportkpi", *r.argv]) if r.text in SMALLER else r.text
    return pytest.param(r, id=f"{r.folder}: {shown}", marks=marks)


# ------------------------------------------------------------------ running them


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each kind of folder made once; every command runs in its own copy."""
    base = tmp_path_factory.mktemp("folders")
    made = {}
    for name, folder in FOLDERS.items():
        made[name] = base / name.replace(" ", "_")
        made[name].mkdir()
        folder.prepare(made[name])
    return made


def rooted(arg: str, folder: Path) -> str:
    """An absolute path of the docs (/exports/open.csv), inside the folder."""
    return str(folder / ROOTED / arg.lstrip("/")) if arg.startswith("/") else arg


def run_in_copy(cmd: ToRun, prepared: Path, here: Path) -> Run:
    shutil.copytree(prepared, here, symlinks=True)  # ../shared/realdata is not copied
    env = {name: rooted(value, here) for name, value in cmd.env}
    cwd = here / FOLDERS[cmd.folder].cwd
    return sh(*(rooted(a, here) for a in cmd.argv), cwd=cwd, stdin="", env=env)


@pytest.fixture(scope="module")
def ran(
    request: pytest.FixtureRequest,
    prepared: dict[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[int, tuple[Path, Future[Run]]]]:
    """The selected commands, run as many at a time as there are cores: each is a child
    process busy on one core, so two cores take half the time."""
    chosen = [
        item.callspec.params["cmd"]
        for item in request.session.items
        if getattr(item, "function", None) is test_documented_command_runs_as_documented
        and not item.get_closest_marker("skip")
    ]
    base = tmp_path_factory.mktemp("runs")
    with ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        started = {}
        for i, cmd in enumerate(chosen):
            here = base / str(i)
            started[id(cmd)] = (here, pool.submit(run_in_copy, cmd, prepared[cmd.folder], here))
        yield started


def outputs(argv: tuple[str, ...]) -> list[str]:
    """The files (or folders) a command says it writes."""
    named = [argv[i + 1] for i, a in enumerate(argv[:-1]) if a in OUTPUT_OPTIONS]
    if argv[:1] == ("init",):
        options_with_values = {"--profile"}
        positional = [
            a
            for i, a in enumerate(argv[1:], 1)
            if not a.startswith("-") and argv[i - 1] not in options_with_values
        ]
        named += positional or ["targets.yaml"]
    return named


@pytest.mark.parametrize("cmd", [as_param(r) for r in RUNS])
def test_documented_command_runs_as_documented(
    cmd: ToRun, ran: dict[int, tuple[Path, Future[Run]]]
) -> None:
    here, started = ran[id(cmd)]
    r = started.result()
    said = f"{', '.join(cmd.where)}: `{cmd.text}`"
    assert "Traceback" not in r.err, f"{said} shows a traceback:\n{r.err}"
    assert r.code == cmd.exit, f"{said} exits {r.code}, documented {cmd.exit}:\n{r.err[-3000:]}"
    cwd = here / FOLDERS[cmd.folder].cwd
    for name in outputs(cmd.argv):
        written = Path(rooted(name, here)) if name.startswith("/") else cwd / name
        assert written.exists(), f"{said} did not write {name}"
        if written.is_dir():
            assert any(written.iterdir()), f"{said} wrote nothing into {name}"
        else:
            assert written.stat().st_size > 0, f"{said} wrote an empty {name}"
    if cmd.stdout_to is not None:
        assert (cwd / cmd.stdout_to).parent.is_dir(), f"{said}: no folder for {cmd.stdout_to}"
        assert r.out.strip(), f"{said} printed nothing for {cmd.stdout_to}"
    elif cmd.exit == 2:  # refused: one line on stderr says why
        assert len(r.err.strip().splitlines()) == 1, f"{said}: {r.err}"
    elif not outputs(cmd.argv) and not {"-q", "--quiet"} & set(cmd.argv):
        assert r.out.strip(), f"{said} printed nothing"
    shutil.rmtree(here)  # a copy of the user's folder each: 250 MB for the module, kept on failure


# ------------------------------------------------------------------ the docs are all read


def test_every_shell_line_naming_supportkpi_yields_a_command() -> None:
    """No command of the docs is left out because this module could not read it."""
    for path in DOCS:
        for _, block, _, _ in markdown_parts(path):
            if block is None or block.lang in ("yaml", "yml"):
                continue
            numbered = list(enumerate(block.lines, block.first_line))
            if block.lang not in SHELL_BLOCKS:
                for number, line in numbered:
                    assert "supportkpi " not in line, (
                        f"{path.name}:{number}: a command in a ```{block.lang} block: use ```sh"
                    )
                continue
            for number, line in logical_lines(numbered):
                if re.search(r"(?<![\w-])supportkpi\s", split_comment(line)[0]):
                    where = f"{path.name}:{number}"
                    assert parse_commands(line, where), f"{where}: {line!r} yields no command"


def test_commands_are_found_in_every_form() -> None:
    """Fenced, inline across a line break, after `&&`, in --help, continued, in cron."""
    wheres = [c.where for c in DOCUMENTED]
    texts = {c.text for c in DOCUMENTED}
    for source in ("README.md:", "docs/realdata.md:", "`supportkpi --help`"):
        assert any(w.startswith(source) for w in wheres), source
    assert "supportkpi compute --by channel" in texts  # README: `pip install . && …`
    assert "supportkpi kpis --explain fcr_rate" in texts  # inline, across a line break
    assert "supportkpi kpis --docs > docs/definitions.md" in texts  # docs/definitions.md
    cron = [c for c in DOCUMENTED if c.argv[-2:] == ("--output", "/var/lib/node_exporter/sla.prom")]
    # README (one line) and sla-check --help (continued on a second line)
    assert {c.where.split(":")[0] for c in cron} == {"README.md", "`supportkpi sla-check --help`"}
    assert len({c.text for c in cron}) == 1


def test_every_exception_names_a_documented_command() -> None:
    texts = {c.text for c in DOCUMENTED}
    for table in (NOT_RUN, SMALLER, KNOWN_TOOL_BUGS):
        assert not set(table) - texts, f"no longer documented: {sorted(set(table) - texts)}"


def test_every_made_name_is_used() -> None:
    """MADE_FROM makes only what documented commands name (targets.yaml names examples/)."""
    named = [
        Path(rooted(a, Path()))
        for r in RUNS
        for a in (*r.argv, r.stdout_to or "", *(value for _, value in r.env))
        if a and not a.startswith("-")
    ]
    for name in set(MADE_FROM) - {"examples", "targets.yaml"}:
        made = Path(name)
        assert any(made == n or made in n.parents or n in made.parents for n in named), name


def test_every_option_the_docs_name_exists() -> None:
    """Inline `--option` mentions in the docs name options some command has."""
    known = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", "\n".join(HELP.values())))
    for path in DOCS:
        for _, _, prose, start in markdown_parts(path):
            for span in INLINE_CODE.finditer(prose):
                for option in re.findall(r"(?<![\w-])--[a-z][a-z-]*", span.group(1)):
                    line = start + prose.count("\n", 0, span.start())
                    assert option in known, f"{path.name}:{line}: no command has {option}"


def test_every_realdata_config_is_run_and_shown_as_it_is() -> None:
    """Each config of examples/realdata/ is the --config of a documented command, and a
    ```yaml block of the docs that names one (`# examples/realdata/x.yaml` on its first
    line) shows the file as it is."""
    configs = sorted((EXAMPLES / "realdata").glob("*.yaml"))
    assert configs
    named = {r.argv[i + 1] for r in RUNS for i, a in enumerate(r.argv[:-1]) if a == "--config"}
    for config in configs:
        assert config.relative_to(ROOT).as_posix() in named, f"no documented command runs {config}"
    shown = 0
    for path in DOCS:
        for _, block, _, _ in markdown_parts(path):
            if block is None or block.lang not in ("yaml", "yml") or not block.lines:
                continue
            first = re.fullmatch(r"\s*# (examples/realdata/\S+\.yaml)", block.lines[0])
            if first is None:
                continue
            indent = len(block.lines[0]) - len(block.lines[0].lstrip())
            text = "".join(line[indent:] + "\n" for line in block.lines[1:])
            where = f"{path.name}:{block.first_line}"
            assert text == (ROOT / first.group(1)).read_text(encoding="utf-8"), where
            shown += 1
    assert shown >= len(configs)
