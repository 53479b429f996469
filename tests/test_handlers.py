"""Handler call plans: the fast code-object reading agrees with inspect.signature."""

from __future__ import annotations

import inspect
from typing import Any

import pytest

from channel_router.handlers import HandlerProblem, HandlerRef, _fast_plan, check_signature


def _inspect_plan(function: Any, call: set[str]) -> tuple[bool, bool] | None:
    signature = inspect.signature(function)
    names = {
        n
        for n, p in signature.parameters.items()
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    }
    arguments = dict.fromkeys(call | ({"event"} & names) | ({"context"} & names))
    try:
        signature.bind(**arguments)
    except TypeError:
        return None
    return "event" in names, "context" in names


class Handlers:
    def method(self, payload):  # type: ignore[no-untyped-def]
        return payload

    @classmethod
    def cls(cls, payload, event=None):  # type: ignore[no-untyped-def]
        return payload

    @staticmethod
    def static(payload, *, context):  # type: ignore[no-untyped-def]
        return payload


SIGNATURES: list[Any] = [
    lambda payload: None,
    lambda payload, event: None,
    lambda payload, event, context: None,
    lambda *, payload, event=None: None,
    lambda payload=None: None,
    lambda **kwargs: None,
    lambda payload, **kwargs: None,
    lambda *args: None,
    lambda: None,
    lambda event: None,
    lambda context=None: None,
    lambda payload, extra: None,
    lambda payload, extra=1: None,
    lambda payload, /: None,
    lambda payload, /, event: None,
    lambda data: None,
    lambda *, payload, required: None,
    Handlers().method,
    Handlers.cls,
    Handlers.static,
]


@pytest.mark.parametrize("function", SIGNATURES, ids=[str(i) for i in range(len(SIGNATURES))])
@pytest.mark.parametrize("call", [{"payload"}, set()], ids=["publish", "subscribe"])
def test_fast_plan_agrees_with_inspect_or_defers_to_it(function: Any, call: set[str]) -> None:
    fast = _fast_plan(function, call)
    expected = _inspect_plan(function, call)
    assert fast == expected or (fast is None and expected is not None and _defers(function))


def _defers(function: Any) -> bool:
    """Only shapes the fast path does not read may fall back to inspect."""
    code = getattr(function, "__code__", None)
    return code is None or code.co_posonlyargcount > 0


def test_a_refused_call_is_worded_by_inspect() -> None:
    with pytest.raises(HandlerProblem, match="missing a required argument: 'extra'"):
        check_signature(HandlerRef.parse("m:f"), SIGNATURES[11], "publish", aggregate=False)


def test_callable_objects_are_planned_through_inspect() -> None:
    class Callable:
        def __call__(self, payload: Any, event: Any) -> Any:
            return payload

    assert check_signature(HandlerRef.parse("m:f"), Callable(), "publish", aggregate=False) == (
        True,
        False,
    )
