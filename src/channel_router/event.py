"""The read-only view of a request that handlers receive as ``event``."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any


def _none(value: Any) -> Any:
    """Sample requests in the wild carry the string 'None' for null fields."""
    return None if value == "None" else value


class Headers(Mapping[str, str]):
    """HTTP headers, looked up case-insensitively."""

    __slots__ = ("_items",)

    def __init__(self, headers: Mapping[str, Any] | None) -> None:
        self._items = {str(k).lower(): (k, v) for k, v in (headers or {}).items()}

    def __getitem__(self, name: str) -> Any:
        return self._items[name.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (original for original, _ in self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


class Identity(Mapping[str, Any]):
    """The caller's identity as AppSync sends it, with names for each auth mode's fields."""

    __slots__ = ("_data",)

    def __init__(self, data: Mapping[str, Any] | None) -> None:
        self._data: Mapping[str, Any] = data if isinstance(data, Mapping) else {}

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"Identity({dict(self._data)!r})"

    @property
    def auth_type(self) -> str:
        """'API_KEY', 'AWS_LAMBDA', 'AWS_IAM', 'AMAZON_COGNITO_USER_POOLS' or 'OPENID_CONNECT'."""
        data = self._data
        if not data:
            return "API_KEY"
        if "handlerContext" in data:
            return "AWS_LAMBDA"
        if "userArn" in data or "accountId" in data:
            return "AWS_IAM"
        if "defaultAuthStrategy" in data or "groups" in data or "username" in data:
            return "AMAZON_COGNITO_USER_POOLS"
        return "OPENID_CONNECT"

    @property
    def sub(self) -> str | None:
        return self._data.get("sub")

    @property
    def username(self) -> str | None:
        return self._data.get("username")

    @property
    def issuer(self) -> str | None:
        return self._data.get("issuer")

    @property
    def claims(self) -> Mapping[str, Any]:
        return self._data.get("claims") or {}

    @property
    def groups(self) -> list[str]:
        """Cognito groups; empty when the user is in none (AppSync sends null)."""
        return list(self._data.get("groups") or [])

    @property
    def source_ip(self) -> list[str]:
        return list(self._data.get("sourceIp") or [])

    @property
    def user_arn(self) -> str | None:
        return self._data.get("userArn")

    @property
    def account_id(self) -> str | None:
        return self._data.get("accountId")

    @property
    def handler_context(self) -> Mapping[str, Any]:
        """What a Lambda authorizer returned as ``handlerContext``."""
        return self._data.get("handlerContext") or {}


class EventInfo:
    """``event.info``: the channel and operation, under Powertools' names."""

    __slots__ = ("channel_namespace", "channel_path", "channel_segments", "operation")

    def __init__(self, path: str, operation: str) -> None:
        self.channel_path = path
        self.channel_segments = path[1:].split("/")
        self.channel_namespace = self.channel_segments[0]
        self.operation = operation

    def __repr__(self) -> str:
        return f"EventInfo({self.channel_path!r}, {self.operation!r})"


class AppSyncEvent:
    """The request a handler is called for; ``raw_event`` is the dict itself."""

    __slots__ = ("_headers", "_identity", "info", "raw_event")

    def __init__(self, raw_event: dict[str, Any], channel: str, operation: str) -> None:
        self.raw_event = raw_event
        self.info = EventInfo(channel, operation.upper())
        self._headers: Headers | None = None
        self._identity: Identity | None = None

    def __repr__(self) -> str:
        return f"AppSyncEvent({self.info.operation} {self.info.channel_path})"

    @property
    def channel_path(self) -> str:
        return self.info.channel_path

    @property
    def segments(self) -> list[str]:
        return self.info.channel_segments

    @property
    def namespace(self) -> str:
        return self.info.channel_namespace

    @property
    def operation(self) -> str:
        """'PUBLISH' or 'SUBSCRIBE', as AppSync spells it."""
        return self.info.operation

    @property
    def request(self) -> Mapping[str, Any]:
        request = _none(self.raw_event.get("request"))
        return request if isinstance(request, Mapping) else {}

    @property
    def request_headers(self) -> Headers:
        if self._headers is None:
            headers = _none(self.request.get("headers"))
            self._headers = Headers(headers if isinstance(headers, Mapping) else None)
        return self._headers

    @property
    def domain_name(self) -> str | None:
        name = _none(self.request.get("domainName"))
        return name if isinstance(name, str) else None

    @property
    def identity(self) -> Identity:
        if self._identity is None:
            self._identity = Identity(_none(self.raw_event.get("identity")))
        return self._identity

    @property
    def stash(self) -> dict[str, Any]:
        stash = _none(self.raw_event.get("stash"))
        return stash if isinstance(stash, dict) else {}

    @property
    def events(self) -> list[dict[str, Any]]:
        """The published events (empty on SUBSCRIBE)."""
        return list(_none(self.raw_event.get("events")) or [])
