"""Loading channels.yaml: decode, validate, parse patterns, import handlers."""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any, NamedTuple

from . import compiled
from .errors import ConfigError, Diagnostic
from .handlers import HandlerProblem, HandlerRef, add_import_root, resolve_handler
from .patterns import PatternError, parse_pattern
from .table import OPERATIONS, Route, RoutingTable, Source

if TYPE_CHECKING:
    from .yaml_nodes import Positions

logger = logging.getLogger("channel_router")


class Settings(NamedTuple):
    unmatched: str = "allow"
    error_detail: str = "full"
    deadline_margin_ms: int = 500
    namespaces: tuple[str, ...] = ()

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Settings:
        return cls(**{**data, "namespaces": tuple(data.get("namespaces", ()))})


class RouteSpec(NamedTuple):
    """A route as written, before its handler is imported."""

    pattern: str
    operation: str
    handler: str
    aggregate: bool
    is_async: bool
    source: Source
    async_source: Source | None = None

    def diagnostic(self, problem: HandlerProblem) -> Diagnostic:
        """The problem at the handler reference, or at the `async` flag it contradicts."""
        at = self.async_source if problem.at_flag and self.async_source else self.source
        return Diagnostic(at.file, at.line, at.column, str(problem), problem.code)


class ConfigSpec(NamedTuple):
    """A config that passed every check that needs no handler import."""

    file: str
    settings: Settings
    routes: tuple[RouteSpec, ...]
    positions: Positions | None = None  # kept from the YAML for lint's warnings


class CheckResult:
    """What checking one file found: the spec if it got that far, routes, diagnostics."""

    __slots__ = ("diagnostics", "routes", "spec")

    def __init__(
        self, spec: ConfigSpec | None, routes: list[Route], diagnostics: list[Diagnostic]
    ) -> None:
        self.spec = spec
        self.routes = routes
        self.diagnostics = diagnostics


def _route_specs(data: dict[str, Any], positions: Positions, file: str) -> list[RouteSpec]:
    specs = []
    for pattern, operations in data["channels"].items():
        for operation in OPERATIONS:
            entry = operations.get(operation)
            if entry is None:
                continue
            path: tuple[str, ...] = ("channels", pattern, operation)
            if isinstance(entry, str):
                entry = {"handler": entry}
                at = positions.value(path)
            else:
                at = positions.value((*path, "handler"))
            async_at = positions.keys.get((*path, "async"))
            specs.append(
                RouteSpec(
                    pattern=pattern,
                    operation=operation,
                    handler=entry["handler"],
                    aggregate=bool(entry.get("aggregate", False)),
                    is_async=bool(entry.get("async", False)),
                    source=Source(file, at.line, at.column),
                    async_source=Source(file, async_at.line, async_at.column) if async_at else None,
                )
            )
    return specs


def read_spec(data_bytes: bytes, file: str) -> tuple[ConfigSpec | None, list[Diagnostic]]:
    """Everything up to, not including, handler imports."""
    # A fresh compiled table skips all of this, so YAML and jsonschema load only here.
    from . import schema
    from .yaml_nodes import YamlRejected, decode

    try:
        data, positions = decode(data_bytes)
    except YamlRejected as exc:
        return None, [
            Diagnostic(file, p.mark.line, p.mark.column, p.message, p.code) for p in exc.problems
        ]
    diagnostics = schema.validate(data, positions, file)
    if diagnostics:
        return None, diagnostics
    for pattern in data["channels"]:
        try:
            parse_pattern(pattern)
        except PatternError as exc:  # the schema regex already refuses these; belt and braces
            mark = positions.key(("channels", pattern))
            diagnostics.append(Diagnostic(file, mark.line, mark.column, str(exc), "CR020"))
    if diagnostics:
        return None, diagnostics
    settings = Settings.from_data(data.get("settings", {}))
    routes = tuple(_route_specs(data, positions, file))
    return ConfigSpec(file, settings, routes, positions), []


def bind_routes(spec: ConfigSpec, root: str) -> tuple[list[Route], list[Diagnostic]]:
    """Import every handler a spec names; collect what cannot be imported or called."""
    add_import_root(root)
    routes: list[Route] = []
    diagnostics: list[Diagnostic] = []
    for item in spec.routes:
        try:
            handler = resolve_handler(
                HandlerRef.parse(item.handler),
                item.operation,
                aggregate=item.aggregate,
                is_async=item.is_async,
            )
        except HandlerProblem as exc:
            diagnostics.append(item.diagnostic(exc))
            continue
        pattern = parse_pattern(item.pattern)
        routes.append(Route(pattern, item.operation, handler, item.aggregate, item.source))
    return routes, diagnostics


def read_sources(spec: ConfigSpec, root: str) -> list[Diagnostic]:
    """Check every handler reference against its module's source, importing nothing."""
    from .source_check import check_source  # lint --no-import only

    diagnostics = []
    for item in spec.routes:
        try:
            check_source(
                HandlerRef.parse(item.handler),
                item.operation,
                aggregate=item.aggregate,
                is_async=item.is_async,
                root=root,
            )
        except HandlerProblem as exc:
            diagnostics.append(item.diagnostic(exc))
    return diagnostics


def check(path: str | os.PathLike[str], *, import_handlers: bool = True) -> CheckResult:
    """Run every check on one config file; raise OSError only if it cannot be read."""
    file = os.fspath(path)
    data = _read(file)
    spec, diagnostics = read_spec(data, file)
    result = CheckResult(spec, [], diagnostics)
    if spec is None:
        return result
    if import_handlers:
        result.routes, result.diagnostics = bind_routes(spec, _root(file))
    else:
        result.diagnostics = read_sources(spec, _root(file))
    stale = compiled.staleness(file, data)
    if stale:
        lock = compiled.lock_path(file)
        result.diagnostics.append(Diagnostic(lock, 1, 1, stale, "CR040"))
    return result


def _root(file: str) -> str:
    return os.path.dirname(os.path.realpath(file))


def _read(file: str) -> bytes:
    with open(file, "rb") as stream:
        return stream.read()


class LoadedConfig(NamedTuple):
    file: str
    settings: Settings
    table: RoutingTable


def load_config(path: str | os.PathLike[str]) -> LoadedConfig:
    """Validate (or take a fresh compiled table), import handlers, build the table."""
    file = os.fspath(path)
    data = _read(file)
    spec, stale = compiled.read_fresh(file, data)
    if stale:
        logger.warning(stale)
    if spec is None:
        spec, diagnostics = read_spec(data, file)
        if spec is None:
            raise ConfigError(diagnostics)
    routes, diagnostics = bind_routes(spec, _root(file))
    if diagnostics:
        raise ConfigError(diagnostics)
    return LoadedConfig(file, spec.settings, RoutingTable.build(routes))
