"""Safe YAML decoding into plain data that remembers where every key and value stood."""

from __future__ import annotations

from typing import Any, NamedTuple

import yaml

MAX_CONFIG_BYTES = 1024 * 1024

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()

JsonPath = tuple[str | int, ...]


class Mark(NamedTuple):
    """A 1-based line and column."""

    line: int
    column: int


class Positions:
    """Where each value (and each mapping key) of a decoded document stands."""

    __slots__ = ("keys", "values")

    def __init__(self) -> None:
        self.values: dict[JsonPath, Mark] = {}
        self.keys: dict[JsonPath, Mark] = {}

    def value(self, path: JsonPath) -> Mark:
        """The position of the value at ``path``, or of its nearest known ancestor."""
        while path not in self.values and path:
            path = path[:-1]
        return self.values.get(path, Mark(1, 1))

    def key(self, path: JsonPath) -> Mark:
        """The position of the key that names ``path`` (its value's position if it has no key)."""
        return self.keys.get(path) or self.value(path)


class YamlProblem(NamedTuple):
    mark: Mark
    message: str
    code: str


class YamlRejected(Exception):
    """The text is not a document this tool accepts; ``problems`` says where and why."""

    def __init__(self, problems: list[YamlProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(p.message for p in problems))


def _mark(event: Any) -> Mark:
    return Mark(event.start_mark.line + 1, event.start_mark.column + 1)


class _Builder:
    """Turns a PyYAML event stream into data, refusing what a config never needs."""

    def __init__(self) -> None:
        self.positions = Positions()
        self.problems: list[YamlProblem] = []

    def reject(self, event: Any, message: str, code: str) -> None:
        self.problems.append(YamlProblem(_mark(event), message, code))

    def check_event(self, event: Any) -> None:
        if isinstance(event, yaml.AliasEvent):
            self.reject(
                event, f"alias '*{event.anchor}' is not allowed; write the value out", "CR005"
            )
            return
        anchor = getattr(event, "anchor", None)
        if anchor is not None:
            self.reject(event, f"anchor '&{anchor}' is not allowed; write each value out", "CR005")
        tag = getattr(event, "tag", None)
        implicit = getattr(event, "implicit", True)
        explicit = (isinstance(implicit, tuple) and not any(implicit)) or implicit is False
        if tag is not None and tag != "!" and explicit:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            self.reject(event, f"tag '{shown}' is not allowed; remove it", "CR006")

    def node(self, events: list[Any], index: int, path: JsonPath) -> tuple[Any, int]:
        """Build the value starting at events[index]; return it and the next index."""
        event = events[index]
        self.check_event(event)
        self.positions.values[path] = _mark(event)
        if isinstance(event, yaml.ScalarEvent):
            return _scalar(event), index + 1
        if isinstance(event, yaml.SequenceStartEvent):
            items: list[Any] = []
            index += 1
            while not isinstance(events[index], yaml.SequenceEndEvent):
                item, index = self.node(events, index, (*path, len(items)))
                items.append(item)
            return items, index + 1
        if isinstance(event, yaml.MappingStartEvent):
            return self.mapping(events, index + 1, path)
        # An alias: already reported; stand in a null so the rest can still be checked.
        return None, index + 1

    def mapping(self, events: list[Any], index: int, path: JsonPath) -> tuple[Any, int]:
        result: dict[str, Any] = {}
        while not isinstance(events[index], yaml.MappingEndEvent):
            key_event = events[index]
            key, index = self.node(events, index, (*path, "<key>"))
            self.positions.values.pop((*path, "<key>"), None)
            if not isinstance(key, str) or not isinstance(key_event, yaml.ScalarEvent):
                shown = key if isinstance(key_event, yaml.ScalarEvent) else "a collection"
                self.reject(
                    key_event,
                    f"key {shown!r} is not a string; keys must be plain names "
                    "(quote it if it is meant as text)",
                    "CR008",
                )
                _, index = self.node(events, index, (*path, "<bad-key>"))
                continue
            if key in result:
                first = self.positions.keys[path + (key,)]
                self.reject(
                    key_event,
                    f"duplicate key '{key}' (first defined at line {first.line}); "
                    "keep only one of them",
                    "CR007",
                )
                _, index = self.node(events, index, (*path, "<duplicate>"))
                continue
            self.positions.keys[path + (key,)] = _mark(key_event)
            result[key], index = self.node(events, index, (*path, key))
        return result, index + 1


_CONSTRUCTED = frozenset(f"tag:yaml.org,2002:{name}" for name in ("null", "bool", "int", "float"))


def _scalar(event: Any) -> Any:
    # Quoted and block scalars resolve to str; plain ones by YAML 1.1's implicit rules, of
    # which only null, booleans and numbers become non-strings: a config has no use for
    # timestamps, and '=' or '<<' must not reach a constructor that cannot build them.
    tag = _resolver.resolve(yaml.ScalarNode, event.value, event.implicit)  # type: ignore[no-untyped-call]
    if tag not in _CONSTRUCTED:
        return event.value
    return _constructor.construct_object(yaml.ScalarNode(tag, event.value))


def decode(data: bytes) -> tuple[Any, Positions]:
    """Decode one YAML document; raise YamlRejected with every position that is refused."""
    if len(data) > MAX_CONFIG_BYTES:
        raise YamlRejected(
            [
                YamlProblem(
                    Mark(1, 1),
                    f"file is {len(data)} bytes, over the {MAX_CONFIG_BYTES} byte limit; "
                    "a channel config never needs to be this large",
                    "CR003",
                )
            ]
        )
    try:
        text = data.decode("utf-8-sig")
        events = list(yaml.parse(text, Loader=_Loader))
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlRejected(
            [
                YamlProblem(
                    Mark(line, column), "file is not valid UTF-8 text; save it as UTF-8", "CR001"
                )
            ]
        ) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Mark(mark.line + 1, mark.column + 1) if mark else Mark(1, 1)
        reason = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            reason = f"{exc.problem} ({exc.context})"
        raise YamlRejected([YamlProblem(where, f"invalid YAML: {reason}", "CR001")]) from None
    except yaml.YAMLError as exc:
        message = str(exc).splitlines()[0] if str(exc) else "invalid YAML"
        raise YamlRejected([YamlProblem(Mark(1, 1), f"invalid YAML: {message}", "CR001")]) from None

    starts = [i for i, e in enumerate(events) if isinstance(e, yaml.DocumentStartEvent)]
    if not starts:
        raise YamlRejected(
            [
                YamlProblem(
                    Mark(1, 1), "file is empty; it needs 'version: 1' and 'channels'", "CR002"
                )
            ]
        )
    builder = _Builder()
    if len(starts) > 1:
        builder.reject(
            events[starts[1]],
            "a second YAML document is not allowed; keep one document per file",
            "CR004",
        )
    value, _ = builder.node(events, starts[0] + 1, ())
    if builder.problems:
        raise YamlRejected(builder.problems)
    return value, builder.positions
