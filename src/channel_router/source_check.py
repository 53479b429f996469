"""Checking a handler reference by reading its module's source, without importing it."""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Any

from .handlers import HandlerProblem, HandlerRef, check_async_flag, check_signature


def _module_file(module: str, roots: list[str]) -> Path | None:
    parts = module.split(".")
    for root in roots:
        base = Path(root or ".", *parts)
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None


def _stub(node: ast.FunctionDef | ast.AsyncFunctionDef) -> Any:
    """A function with the same parameters (defaults and annotations stripped), to bind against."""
    args = node.args
    stripped = ast.arguments(
        posonlyargs=[ast.arg(a.arg) for a in args.posonlyargs],
        args=[ast.arg(a.arg) for a in args.args],
        vararg=ast.arg(args.vararg.arg) if args.vararg else None,
        kwonlyargs=[ast.arg(a.arg) for a in args.kwonlyargs],
        kw_defaults=[None if d is None else ast.Constant(None) for d in args.kw_defaults],
        kwarg=ast.arg(args.kwarg.arg) if args.kwarg else None,
        defaults=[ast.Constant(None) for _ in args.defaults],
    )
    namespace: dict[str, Any] = {}
    exec(f"def stub({ast.unparse(stripped)}): pass", namespace)  # only names, no user expressions
    return namespace["stub"]


def _find(body: list[ast.stmt], name: str) -> ast.AST | None:
    found: ast.AST | None = None
    for statement in body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if statement.name == name:
                found = statement
        elif isinstance(statement, (ast.Assign, ast.AnnAssign)):
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                found = statement
        elif isinstance(statement, (ast.Import, ast.ImportFrom)) and any(
            (alias.asname or alias.name.split(".")[0]) == name for alias in statement.names
        ):
            found = statement
    return found


def check_source(
    ref: HandlerRef, operation: str, *, aggregate: bool, is_async: bool, root: str
) -> None:
    """Raise HandlerProblem if the module's source shows the reference cannot work."""
    path = _module_file(ref.module, [root, *sys.path])
    if path is None:
        raise HandlerProblem(
            f"Unable to import module '{ref.module}': No module named '{ref.module}'", "CR030"
        )
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (SyntaxError, ValueError) as exc:
        raise HandlerProblem(
            f"Unable to import module '{ref.module}': {type(exc).__name__} - {exc}", "CR030"
        ) from None
    body: list[ast.stmt] = tree.body
    node: ast.AST | None = None
    for part in ref.attribute.split("."):
        node = _find(body, part)
        if node is None:
            raise HandlerProblem(
                f"Handler '{ref.attribute}' missing on module '{ref.module}'", "CR031"
            )
        if not isinstance(node, ast.ClassDef):
            break
        body = node.body
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.decorator_list:
        return  # assigned, imported or decorated: only an import can tell what it is
    actual = isinstance(node, ast.AsyncFunctionDef)
    check_async_flag(ref, operation, declared=is_async, actual=actual)
    check_signature(ref, _stub(node), operation, aggregate=aggregate)
