"""Handler references: import the function a route names and decide how to call it."""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class HandlerRef:
    """'package.module:attr.path' or Lambda-style 'package.module.function', split."""

    text: str
    module: str
    attribute: str

    @classmethod
    def parse(cls, text: str) -> HandlerRef:
        if ":" in text:
            module, _, attribute = text.partition(":")
        else:
            module, _, attribute = text.rpartition(".")
        return cls(text, module, attribute)


@dataclass(frozen=True, slots=True)
class Handler:
    """An imported handler and, decided once at load, which keyword arguments it takes."""

    ref: HandlerRef
    function: Callable[..., Any]
    is_async: bool
    wants_event: bool
    wants_context: bool


@contextmanager
def isolated_imports() -> Iterator[None]:
    """Undo what importing one config's handlers did to sys.path and sys.modules."""
    path, modules = list(sys.path), dict(sys.modules)
    try:
        yield
    finally:
        sys.path[:] = path
        for name in set(sys.modules) - set(modules):
            del sys.modules[name]
        sys.modules.update(modules)


class HandlerProblem(Exception):
    """The reference cannot be turned into a handler that takes the configured call."""

    def __init__(self, message: str, code: str, at_flag: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.at_flag = at_flag


def add_import_root(directory: str) -> None:
    """Put the config's directory on sys.path, as Lambda puts its task root there."""
    if directory not in sys.path:
        sys.path.insert(0, directory)


def import_module(name: str) -> Any:
    """Import a handler module, turning any failure into Lambda's own wording."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        reason = f"No module named '{exc.name}'" if exc.name else str(exc)
        raise HandlerProblem(f"Unable to import module '{name}': {reason}", "CR030") from None
    except (Exception, SystemExit) as exc:
        raise HandlerProblem(
            f"Unable to import module '{name}': {type(exc).__name__} - {exc}", "CR030"
        ) from None


def is_coroutine_function(function: Any) -> bool:
    if inspect.iscoroutinefunction(function):
        return True
    call = getattr(function, "__call__", None)  # noqa: B004 - callable objects too
    return call is not None and inspect.iscoroutinefunction(call)


def resolve_handler(ref: HandlerRef, operation: str, *, aggregate: bool, is_async: bool) -> Handler:
    """Import ``ref`` and check it against the flags and the calling convention."""
    target: Any = import_module(ref.module)
    for part in ref.attribute.split("."):
        try:
            target = getattr(target, part)
        except AttributeError:
            raise HandlerProblem(
                f"Handler '{ref.attribute}' missing on module '{ref.module}'", "CR031"
            ) from None
    if not callable(target):
        raise HandlerProblem(
            f"Handler '{ref.attribute}' on module '{ref.module}' is a "
            f"{type(target).__name__}, not a function",
            "CR032",
        )
    actual_async = is_coroutine_function(target)
    if actual_async and not is_async:
        raise HandlerProblem(
            f"Handler '{ref.text}' is an 'async def'; add 'async: true' to this {operation} route",
            "CR033",
        )
    if is_async and not actual_async:
        raise HandlerProblem(
            f"Handler '{ref.text}' is a plain 'def' but the route says 'async: true'; "
            "remove the flag or make the function 'async def'",
            "CR033",
            at_flag="async",
        )
    wants_event, wants_context = check_signature(ref, target, operation, aggregate=aggregate)
    return Handler(ref, target, actual_async, wants_event, wants_context)


def call_shape(operation: str, aggregate: bool) -> str:
    if operation == "subscribe":
        return "handler()"
    if aggregate:
        return "handler(payload=[{'id': ..., 'payload': ...}, ...])"
    return "handler(payload=...)"


def check_signature(
    ref: HandlerRef, function: Any, operation: str, *, aggregate: bool
) -> tuple[bool, bool]:
    """Whether it takes ``event`` and ``context``; HandlerProblem if it cannot take the call."""
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):
        # Some builtins have no introspectable signature; call them the plain way.
        return False, False
    keywords = {
        name
        for name, parameter in signature.parameters.items()
        if parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
    }
    wants_event = "event" in keywords
    wants_context = "context" in keywords
    call: dict[str, Any] = {} if operation == "subscribe" else {"payload": None}
    if wants_event:
        call["event"] = None
    if wants_context:
        call["context"] = None
    try:
        signature.bind(**call)
    except TypeError as exc:
        raise HandlerProblem(
            f"Handler '{ref.text}' cannot be called as {call_shape(operation, aggregate)}: "
            f"{exc}; its parameters are {signature}",
            "CR034",
        ) from None
    return wants_event, wants_context
