"""YAML loaded safely, with the line number of every key kept for error messages.

`load(text)` returns plain Python data (dict/list/str/int/float/bool/None/date) and a
map from key path (a tuple) to its 1-based line, so a config error can say
`targets.yaml:14: sla.policies.P1.first_response: …`.

Safety: only the standard YAML tags are accepted (no `!!python/…`, no custom tags);
anchors and aliases are allowed but the expanded document is capped, in nodes and in
text, so a "billion laughs" document (or one long string aliased many times) is refused
instead of exhausting memory.
"""

from __future__ import annotations

from typing import Any

import yaml

MAX_NODES = 20_000  # far beyond any real targets.yaml
# characters of text in the expanded document: an alias repeats its anchor's text, and
# what is built from the config (missing_values handed to the CSV reader…) copies it
MAX_CHARS = 4_000_000
_STD_PREFIX = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_STD_PREFIX}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}


class YamlError(ValueError):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


Path = tuple[str | int, ...]


class _Builder:
    def __init__(self, loader: yaml.SafeLoader) -> None:
        self.loader = loader
        self.lines: dict[Path, int] = {}
        self.count = 0
        self.chars = 0

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlError(
                f"document expands to more than {MAX_NODES} nodes (too many aliases?)",
                node.start_mark.line + 1,
            )
        self.lines.setdefault(path, node.start_mark.line + 1)
        if isinstance(node, yaml.ScalarNode):
            self.chars += len(node.value)
            if self.chars > MAX_CHARS:
                raise YamlError(
                    f"document expands to more than {MAX_CHARS:,} characters of text"
                    " (a long value aliased many times?)",
                    node.start_mark.line + 1,
                )
            if node.tag not in _SCALAR_TAGS:
                raise YamlError(f"tag {node.tag!r} is not allowed", node.start_mark.line + 1)
            try:
                return self.loader.construct_object(node, deep=True)
            except ValueError:  # a date-shaped value that is no date (2026-13-45)
                return str(node.value)
        if isinstance(node, yaml.SequenceNode):
            if node.tag != f"{_STD_PREFIX}seq":
                raise YamlError(f"tag {node.tag!r} is not allowed", node.start_mark.line + 1)
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            if node.tag != f"{_STD_PREFIX}map":
                raise YamlError(f"tag {node.tag!r} is not allowed", node.start_mark.line + 1)
            out: dict[Any, Any] = {}
            for key_node, value_node in node.value:
                if key_node.tag == f"{_STD_PREFIX}merge":
                    merged = self.build(value_node, path)
                    sources = merged if isinstance(merged, list) else [merged]
                    for src in sources:
                        if not isinstance(src, dict):
                            raise YamlError(
                                "'<<' must merge a mapping", key_node.start_mark.line + 1
                            )
                        for k, v in src.items():
                            out.setdefault(k, v)
                    continue
                key = self.build(key_node, path)
                if isinstance(key, (list, dict)):
                    raise YamlError("a key must be a plain value", key_node.start_mark.line + 1)
                key = str(key) if not isinstance(key, str) else key
                if key in out:
                    raise YamlError(f"duplicate key {key!r}", key_node.start_mark.line + 1)
                child = (*path, key)
                self.lines[child] = key_node.start_mark.line + 1
                out[key] = self.build(value_node, child)
            return out
        raise YamlError(f"unsupported YAML node {node!r}")  # pragma: no cover


def load(text: str) -> tuple[Any, dict[Path, int]]:
    try:
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:  # a character YAML refuses (a NUL byte…)
        reason = getattr(exc, "reason", None) or str(exc).splitlines()[0]
        raise YamlError(f"not valid YAML: {reason}") from exc
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        builder = _Builder(loader)
        data = builder.build(node, ())
        return data, builder.lines
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise YamlError(f"not valid YAML: {exc.problem or exc.context}", line) from exc
    except yaml.YAMLError as exc:
        raise YamlError(f"not valid YAML: {' '.join(str(exc).split())}") from exc
    except RecursionError:
        raise YamlError("not valid YAML: nested too deeply") from None
    finally:
        loader.dispose()
