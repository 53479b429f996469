"""Handler references: import the function a route names and decide how to call it."""

from __future__ import annotations

import importlib
import os
import sys
import types
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NamedTuple


class HandlerRef(NamedTuple):
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


class Handler(NamedTuple):
    """An imported handler and, decided once at load, which keyword arguments it takes."""

    ref: HandlerRef
    function: Callable[..., Any]
    is_async: bool
    wants_event: bool
    wants_context: bool


def _installed_roots() -> tuple[str, ...]:
    """Where the standard library, installed packages and channel-router itself live."""
    import site
    import sysconfig

    places = {sysconfig.get_path(name) for name in ("stdlib", "platstdlib", "purelib", "platlib")}
    places.add(site.getusersitepackages())
    places.add(os.path.dirname(os.path.abspath(__file__)))
    return tuple(os.path.join(os.path.realpath(p), "") for p in places if p)


@contextmanager
def isolated_imports() -> Iterator[None]:
    """Forget the handler modules imported while the block ran, and the roots it added.

    Installed packages stay imported (a C extension cannot be imported twice); everything
    else that was new, such as one config's ``handlers.chat``, is dropped so that another
    config's module of the same name is imported afresh.
    """
    path, modules = list(sys.path), set(sys.modules)
    try:
        yield
    finally:
        sys.path[:] = path
        installed = _installed_roots()
        for name in set(sys.modules) - modules:
            module = sys.modules[name]
            places = [getattr(module, "__file__", None), *getattr(module, "__path__", [])]
            files = [os.path.realpath(str(p)) for p in places if p]
            if files and not any(f.startswith(installed) for f in files):
                del sys.modules[name]


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


_CO_COROUTINE = 0x80
_CO_VARARGS = 0x04
_CO_VARKEYWORDS = 0x08


def _plain_function(function: Any) -> tuple[types.FunctionType, int] | None:
    """The Python function behind ``function`` and how many leading parameters are bound."""
    if isinstance(function, types.FunctionType):
        return function, 0
    if isinstance(function, types.MethodType) and isinstance(function.__func__, types.FunctionType):
        return function.__func__, 1
    return None


def is_coroutine_function(function: Any) -> bool:
    plain = _plain_function(function)
    if plain is not None:
        return bool(plain[0].__code__.co_flags & _CO_COROUTINE)
    import inspect  # only exotic callables need it; it costs milliseconds at cold start

    call = getattr(function, "__call__", None)  # noqa: B004 - callable objects too
    return inspect.iscoroutinefunction(function) or (
        call is not None and inspect.iscoroutinefunction(call)
    )


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
    check_async_flag(ref, operation, declared=is_async, actual=actual_async)
    wants_event, wants_context = check_signature(ref, target, operation, aggregate=aggregate)
    return Handler(ref, target, actual_async, wants_event, wants_context)


def check_async_flag(ref: HandlerRef, operation: str, *, declared: bool, actual: bool) -> None:
    """The route's ``async`` flag must say what the function is."""
    if actual and not declared:
        raise HandlerProblem(
            f"Handler '{ref.text}' is an 'async def'; add 'async: true' to this {operation} route",
            "CR033",
        )
    if declared and not actual:
        raise HandlerProblem(
            f"Handler '{ref.text}' is a plain 'def' but the route says 'async: true'; "
            "remove the flag or make the function 'async def'",
            "CR033",
            at_flag="async",
        )


def call_shape(operation: str, aggregate: bool) -> str:
    if operation == "subscribe":
        return "handler()"
    if aggregate:
        return "handler(payload=[{'id': ..., 'payload': ...}, ...])"
    return "handler(payload=...)"


def _fast_plan(function: Any, call: set[str]) -> tuple[bool, bool] | None:
    """Read a plain function's code object: (event?, context?) if the call binds, else None."""
    plain = _plain_function(function)
    if plain is None:
        return None
    code, bound = plain[0].__code__, plain[1]
    positional = code.co_varnames[bound : code.co_argcount]
    keyword_only = code.co_varnames[code.co_argcount : code.co_argcount + code.co_kwonlyargcount]
    position_only = code.co_varnames[bound : code.co_posonlyargcount]
    named = set(positional[len(position_only) :]) | set(keyword_only)
    wants_event, wants_context = "event" in named, "context" in named
    offered = call | {
        n for n, wanted in (("event", wants_event), ("context", wants_context)) if wanted
    }
    defaults = len(plain[0].__defaults__ or ())
    required = set(positional[: len(positional) - defaults]) | (
        set(keyword_only) - set(plain[0].__kwdefaults__ or {})
    )
    if (
        required - named  # a required position-only parameter cannot be passed by keyword
        or not required <= offered
        or (offered - named and not code.co_flags & _CO_VARKEYWORDS)
    ):
        return None
    return wants_event, wants_context


def check_signature(
    ref: HandlerRef, function: Any, operation: str, *, aggregate: bool
) -> tuple[bool, bool]:
    """Whether it takes ``event`` and ``context``; HandlerProblem if it cannot take the call."""
    call = set() if operation == "subscribe" else {"payload"}
    plan = _fast_plan(function, call)
    if plan is not None:
        return plan
    import inspect  # the slow, general path: exotic callables, and the wording of a refusal

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
    arguments: dict[str, Any] = dict.fromkeys(call)
    if wants_event:
        arguments["event"] = None
    if wants_context:
        arguments["context"] = None
    try:
        signature.bind(**arguments)
    except TypeError as exc:
        raise HandlerProblem(
            f"Handler '{ref.text}' cannot be called as {call_shape(operation, aggregate)}: "
            f"{exc}; its parameters are {signature}",
            "CR034",
        ) from None
    return wants_event, wants_context
