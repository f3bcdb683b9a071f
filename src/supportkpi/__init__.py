"""supportkpi: trustworthy customer-support KPIs from helpdesk exports.

The command line (`supportkpi …`) is a thin layer over this library, whose functions
take the same inputs as keyword arguments (paths, pandas DataFrames, pyarrow Tables,
Polars frames…):

    import supportkpi

    report = supportkpi.compute(tickets="tickets.csv", surveys="surveys.csv", by=["channel"])
    report.to_dict()["results"]  # the JSON of `supportkpi compute -f json`
    report.to_pandas()  # one row per KPI × group

`compute`, `sla_check`, `summary`, `validate` and `explain` are documented in
docs/api.md; bad input raises `InputError` or `ConfigError` (`SupportKpiError`s)
with the message the CLI prints.

Importing the package is cheap: numpy, pyarrow and rich load only when used (the
API's names below load on first use).
"""

from __future__ import annotations

import sys
from types import ModuleType
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "Explanation",
    "InputError",
    "Report",
    "SupportKpiError",
    "UsageError",
    "__version__",
    "compute",
    "explain",
    "sla_check",
    "summary",
    "validate",
]

if TYPE_CHECKING:
    from .api import Explanation, compute, explain, sla_check, summary, validate
    from .errors import ConfigError, InputError, SupportKpiError, UsageError
    from .report import Report

# name -> the module defining it, imported on first use (PEP 562)
_LAZY = {
    "compute": "api",
    "sla_check": "api",
    "Explanation": "api",
    "Report": "report",
    "SupportKpiError": "errors",
    "InputError": "errors",
    "ConfigError": "errors",
    "UsageError": "errors",
}


# `summary`, `validate` and `explain` are also modules of the package, which Python binds
# as the package's attributes when they are imported: `supportkpi.summary` is the module,
# and calling it calls the API's function (`_CallableModule`), however it was imported
_CALLABLE_MODULES = ("summary", "validate", "explain")


class _CallableModule(ModuleType):
    """A module of the package that is also an API function of the same name."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        from . import api

        return getattr(api, self.__name__.rpartition(".")[2])(*args, **kwargs)


def answer_calls(module_name: str) -> None:
    """Called at the end of summary.py, validate.py and explain.py: `supportkpi.summary(…)`
    then calls `supportkpi.api.summary` (until the modules move into sub-packages)."""
    sys.modules[module_name].__class__ = _CallableModule


def __getattr__(name: str) -> Any:
    from importlib import import_module

    if name in _CALLABLE_MODULES:
        return import_module(f".{name}", __name__)  # binds it here too
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'supportkpi' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value  # once: later lookups find it without this hook
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
