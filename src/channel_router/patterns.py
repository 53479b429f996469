"""Channel patterns: the grammar, and what a pattern matches."""

from __future__ import annotations

import re
from enum import IntEnum
from typing import NamedTuple

MAX_SEGMENTS = 5
MAX_SEGMENT_LENGTH = 50
_SEGMENT = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?")
_CHANNEL = re.compile(
    r"/[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?"
    r"(?:/[A-Za-z0-9](?:[A-Za-z0-9-]{0,48}[A-Za-z0-9])?){0,4}"
)


class Kind(IntEnum):
    """How a pattern matches; lower sorts first, so more specific kinds come first."""

    EXACT = 0
    PREFIX = 1
    CATCH_ALL = 2


class Pattern(NamedTuple):
    """A parsed channel pattern; ``prefix`` is the path before '/*' (or the exact path)."""

    text: str
    kind: Kind
    prefix: str

    @property
    def depth(self) -> int:
        """How many literal segments the pattern fixes."""
        return 0 if self.kind is Kind.CATCH_ALL else self.prefix.count("/")

    @property
    def namespace(self) -> str | None:
        """The namespace the pattern lies in; None for '/*', which spans them all."""
        return None if self.kind is Kind.CATCH_ALL else self.prefix.split("/")[1]

    def sort_key(self) -> tuple[int, int, str]:
        """Most specific first: exact, then the longest wildcard prefix, then '/*'."""
        return (self.kind, -self.depth, self.text)

    def matches(self, channel: str) -> bool:
        """Reference semantics, for tools and tests; the table does the fast lookup."""
        if self.kind is Kind.EXACT:
            return channel == self.prefix
        if self.kind is Kind.PREFIX:
            return channel.startswith(self.prefix + "/")
        return True


class PatternError(ValueError):
    """A pattern or channel breaks the grammar; the message says how to write it."""


def _segment_problem(segment: str, position: int) -> str | None:
    if segment == "":
        return f"segment {position} is empty; remove the doubled or trailing '/'"
    if "*" in segment:
        return f"'*' must be a whole last segment ('/ns/*'); segment {position} is {segment!r}"
    if len(segment) > MAX_SEGMENT_LENGTH:
        return f"segment {position} is {len(segment)} characters; AppSync allows at most 50"
    bad = sorted({c for c in segment if not (c.isascii() and (c.isalnum() or c == "-"))})
    if bad:
        shown = "".join(bad)
        return (
            f"segment {position} ({segment!r}) has characters {shown!r}; "
            "use only letters, digits and '-'"
        )
    if not _SEGMENT.fullmatch(segment):
        return f"segment {position} ({segment!r}) must not start or end with '-'"
    return None


def parse_pattern(text: str) -> Pattern:
    """Parse a route pattern or raise PatternError naming the rule it breaks."""
    if not text.startswith("/"):
        raise PatternError(f"pattern {text!r} must start with '/', e.g. '/{text}'")
    if text == "/*":
        return Pattern(text, Kind.CATCH_ALL, "")
    segments = text[1:].split("/")
    wildcard = segments[-1] == "*"
    literal = segments[:-1] if wildcard else segments
    if wildcard and not literal:
        raise PatternError(f"pattern {text!r} is not valid")
    limit = MAX_SEGMENTS - 1 if wildcard else MAX_SEGMENTS
    if len(literal) > limit:
        what = (
            "a wildcard pattern fixes at most 4 segments before '/*'"
            if wildcard
            else ("a channel has at most 5 segments")
        )
        raise PatternError(f"pattern {text!r} has {len(literal)} segments; {what}")
    for position, segment in enumerate(literal, start=1):
        problem = _segment_problem(segment, position)
        if problem:
            raise PatternError(f"pattern {text!r}: {problem}")
    prefix = "/" + "/".join(literal)
    return Pattern(text, Kind.PREFIX if wildcard else Kind.EXACT, prefix)


def is_channel(path: str) -> bool:
    """Whether ``path`` is a concrete AppSync channel path such as '/default/room-1'."""
    return _CHANNEL.fullmatch(path) is not None


def is_subscription(path: str) -> bool:
    """Whether ``path`` is a wildcard subscription such as '/default/*' (namespace required)."""
    return path.endswith("/*") and path.count("/") <= MAX_SEGMENTS and is_channel(path[:-2])


def check_channel(path: str) -> str:
    """Return ``path`` with its leading '/' if it is a channel; raise PatternError otherwise."""
    if not path.startswith("/"):
        path = "/" + path
    if is_channel(path):
        return path
    segments = path[1:].split("/")
    if len(segments) > MAX_SEGMENTS:
        raise PatternError(f"channel {path!r} has {len(segments)} segments; at most 5")
    for position, segment in enumerate(segments, start=1):
        problem = _segment_problem(segment, position)
        if problem:
            if "*" in segment:
                problem = "a channel cannot contain '*'; name a concrete channel"
            raise PatternError(f"channel {path!r}: {problem}")
    raise PatternError(f"channel {path!r} is not a valid AppSync channel path")
