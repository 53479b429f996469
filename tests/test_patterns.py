"""The pattern grammar: what is a route pattern, what is a channel."""

from __future__ import annotations

import pytest

from channel_router.patterns import Kind, PatternError, check_channel, is_channel, parse_pattern


@pytest.mark.parametrize(
    ("text", "kind", "prefix"),
    [
        ("/*", Kind.CATCH_ALL, ""),
        ("/default", Kind.EXACT, "/default"),
        ("/default/channel", Kind.EXACT, "/default/channel"),
        ("/a/b/c/d/e", Kind.EXACT, "/a/b/c/d/e"),
        ("/default/*", Kind.PREFIX, "/default"),
        ("/a/b/c/d/*", Kind.PREFIX, "/a/b/c/d"),
        ("/Room-1/x9/*", Kind.PREFIX, "/Room-1/x9"),
        ("/" + "a" * 50, Kind.EXACT, "/" + "a" * 50),
    ],
)
def test_valid_patterns_parse_to_their_kind_and_prefix(text: str, kind: Kind, prefix: str) -> None:
    pattern = parse_pattern(text)
    assert (pattern.kind, pattern.prefix) == (kind, prefix)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("/a/b*", "'*' must be a whole last segment"),
        ("/a/*/c", "'*' must be a whole last segment"),
        ("/*/*", "'*' must be a whole last segment"),
        ("/a/", "segment 2 is empty"),
        ("a/b", "must start with '/'"),
        ("//a", "segment 1 is empty"),
        ("/a//b", "segment 2 is empty"),
        ("/", "segment 1 is empty"),
        ("", "must start with '/'"),
        ("/a/b_c", "use only letters, digits and '-'"),
        ("/a/b.c", "use only letters, digits and '-'"),
        ("/caf\u00e9", "use only letters, digits and '-'"),
        ("/a/b/c/d/e/f", "has 6 segments; a channel has at most 5"),
        ("/a/b/c/d/e/*", "fixes at most 4 segments"),
        ("/-a", "must not start or end with '-'"),
        ("/a-", "must not start or end with '-'"),
        ("/" + "a" * 51, "at most 50"),
        ("/**", "'*' must be a whole last segment"),
    ],
)
def test_invalid_patterns_are_errors_that_say_what_is_wrong(text: str, fragment: str) -> None:
    with pytest.raises(PatternError, match=None) as info:
        parse_pattern(text)
    assert fragment in str(info.value)


def test_namespace_wildcard_never_matches_the_namespace_itself() -> None:
    assert not parse_pattern("/a/*").matches("/a")


def test_namespace_wildcard_never_matches_a_longer_namespace() -> None:
    assert not parse_pattern("/a/*").matches("/ab/x")


def test_namespace_wildcard_matches_every_depth_below() -> None:
    pattern = parse_pattern("/a/*")
    assert all(pattern.matches(c) for c in ["/a/x", "/a/x/y", "/a/b/c/d/e"])


def test_exact_pattern_matches_only_its_channel() -> None:
    pattern = parse_pattern("/a/b")
    assert pattern.matches("/a/b")
    assert not pattern.matches("/a/b/c")
    assert not pattern.matches("/a")


@pytest.mark.parametrize("channel", ["/a", "/default/channel", "/a/b/c/d/e", "/x-1/Y"])
def test_channels_are_one_to_five_appsync_segments(channel: str) -> None:
    assert is_channel(channel)


@pytest.mark.parametrize(
    "channel", ["", "/", "a", "/a/", "//a", "/a/*", "/a/b/c/d/e/f", "/a b", "/-a", "/a_b"]
)
def test_non_channels_are_refused(channel: str) -> None:
    assert not is_channel(channel)


def test_check_channel_adds_the_leading_slash_clients_may_omit() -> None:
    assert check_channel("default/channel") == "/default/channel"


def test_check_channel_refuses_wildcards_with_a_reason() -> None:
    with pytest.raises(PatternError, match="cannot contain"):
        check_channel("/default/*")


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/default/*", True),
        ("/a/b/c/d/*", True),
        ("/a/b/c/d/e/*", False),
        ("/*", False),
        ("/a/*/b", False),
    ],
)
def test_wildcard_subscriptions_need_a_namespace_and_at_most_five_segments(
    path: str, expected: bool
) -> None:
    from channel_router.patterns import is_subscription

    assert is_subscription(path) is expected
