"""supportkpi: trustworthy customer-support KPIs from helpdesk exports.

The command line (`supportkpi …`) is a thin layer over this library, whose functions
take the same inputs as keyword arguments (paths, pandas DataFrames, pyarrow Tables,
Polars frames…):

    import supportkpi

    report = supportkpi.compute(tickets="tickets.csv", surveys="surveys.csv", by=["channel"])
    report.to_dict()["results"]  # the JSON of `supportkpi compute -f json`
    report.to_pandas()  # one row per KPI × group

`compute`, `sla_check`, `summary`, `validate`, `explain` and `compare` are documented in
docs/api.md; bad input raises `InputError` or `ConfigError` (`SupportKpiError`s)
with the message the CLI prints.

Importing the package is cheap: numpy, pyarrow and rich load only when used (the
API's names below load on first use).
"""

from __future__ import annotations

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
    "compare",
    "compute",
    "explain",
    "sla_check",
    "staffing",
    "summary",
    "validate",
]

if TYPE_CHECKING:
    from supportkpi.api import (
        Explanation,
        compare,
        compute,
        explain,
        sla_check,
        staffing,
        summary,
        validate,
    )
    from supportkpi.errors import ConfigError, InputError, SupportKpiError, UsageError
    from supportkpi.reports.report import Report

# name -> the module defining it, imported on first use (PEP 562)
_LAZY = {
    "compare": "api",
    "compute": "api",
    "summary": "api",
    "validate": "api",
    "explain": "api",
    "sla_check": "api",
    "staffing": "api",
    "Explanation": "api",
    "Report": "report",
    "SupportKpiError": "errors",
    "InputError": "errors",
    "ConfigError": "errors",
    "UsageError": "errors",
}


def __getattr__(name: str) -> Any:
    from importlib import import_module

    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'supportkpi' has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value  # once: later lookups find it without this hook
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
