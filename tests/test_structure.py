"""The shape of the package: data flows one way (no import cycle), and the engine and
its readers never switch on the kind of a statistic (each kind is a class that answers
for itself, statistics.py)."""

from __future__ import annotations

import ast
import pathlib

from conftest import ROOT

PACKAGE = pathlib.Path(ROOT) / "src" / "supportkpi"


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports_at_load(path: pathlib.Path, modules: set[str]) -> set[str]:
    """The package's modules this one imports when it is loaded: imports at module
    level, not those inside functions (deferred) or under `if TYPE_CHECKING:`."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(nodes: list[ast.stmt]) -> None:
        for node in nodes:
            if isinstance(node, ast.If):
                test = ast.unparse(node.test)
                if "TYPE_CHECKING" not in test:
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)
                for handler in node.handlers:
                    visit(handler.body)
            elif isinstance(node, ast.Import):
                found.update(a.name for a in node.names if a.name in modules)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")
                    base = base[: len(base) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                if target in modules:
                    found.add(target)
                for alias in node.names:  # `from . import engine`
                    if f"{target}.{alias.name}" in modules:
                        found.add(f"{target}.{alias.name}")

    visit(ast.parse(path.read_text()).body)
    found.discard(name)
    return found


def _graph() -> dict[str, set[str]]:
    files = sorted(PACKAGE.rglob("*.py"))
    modules = {_module_name(f) for f in files}
    graph = {_module_name(f): _imports_at_load(f, modules) for f in files}
    # a package's modules load its __init__ first: that is not an edge of the flow
    return {m: {d for d in deps if not m.startswith(d + ".")} for m, deps in graph.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return out


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_inside_the_package() -> None:
    graph = _graph()
    assert len(graph) > 40  # the walk found the package
    assert _cycles(graph) == []


STATISTIC_KINDS = (
    "Count",
    "Mean",
    "Quantile",
    "Sum",
    "PerDistinct",
    "OpenAtEnd",
    "SlaCompliance",
    "Retention",
    "Derived",
)


def test_no_switch_on_the_kind_of_a_statistic_outside_the_statistics() -> None:
    """`isinstance(x, Count)` and the like belong in statistics.py only."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "statistics.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and ast.unparse(node.func) == "isinstance":
                kinds = ast.unparse(node.args[1]).replace("(", " ").replace(",", " ").split()
                if any(k in kinds for k in STATISTIC_KINDS):
                    offenders.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
    assert offenders == []


def test_every_measure_a_statistic_or_a_reading_names_exists() -> None:
    from supportkpi.kpis.catalogue import ALL
    from supportkpi.kpis.measures import KEYS, MEASURES
    from supportkpi.kpis.statistics import MEASURE_READS, PerDistinct

    distinct = {k.stat.key for k in ALL.values() if isinstance(k.stat, PerDistinct)}
    used = {k.stat.measure for k in ALL.values() if k.stat.measure}
    assert used <= set(MEASURES), used - set(MEASURES)
    assert set(MEASURE_READS) <= set(MEASURES) | set(KEYS) | distinct
    assert {m for m in used if not m.startswith("sla_")} <= set(MEASURE_READS)


# the stages, lowest first: a module may import from its own stage or a lower one
LAYERS = [
    ("errors", "model", "runtime", "threads", "branchless"),
    ("io",),
    ("config",),
    ("schema",),
    ("sla",),
    ("kpis",),
    ("engine",),
    ("reports",),
    ("render",),
    ("cli", "api", "__init__", "__main__"),
]
# the upward imports there are, each with its reason (ARCHITECTURE.md)
ALLOWED_UPWARD = {
    # targets.yaml names KPIs, columns and values: the config checks them against the
    # catalogue's and the schema's definitions (modules that import no config at load)
    ("config.settings", "kpis"),
    ("config.settings", "kpis.catalogue"),
    ("config.settings", "schema.inputs"),
    ("config.settings", "schema.vocab"),
    ("config.presets", "kpis.catalogue"),
    # the reader's limits (field size, rows) are a setting of the config
    ("io.sources", "config.settings"),
}


def test_data_flows_one_way_through_the_stages() -> None:
    rank = {pkg: i for i, stage in enumerate(LAYERS) for pkg in stage}

    def stage(module: str) -> str:
        parts = module.split(".")
        return parts[1] if len(parts) > 1 else "__init__"

    upward = set()
    for module, deps in _graph().items():
        for dep in deps:
            if rank[stage(dep)] > rank[stage(module)]:
                upward.add((module.removeprefix("supportkpi."), dep.removeprefix("supportkpi.")))
    assert upward == ALLOWED_UPWARD
