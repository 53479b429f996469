"""Subscribe-side authorization for the example app."""

from __future__ import annotations

from channel_router import AppSyncEvent, UnauthorizedException

MEMBERS = frozenset({"alice", "bob"})


def require_member(event: AppSyncEvent) -> None:
    """Only members may listen to the lobby: by Cognito username or an x-user header."""
    user = event.identity.username or event.request_headers.get("x-user")
    if user not in MEMBERS:
        raise UnauthorizedException(f"{user or 'anonymous'} is not a member of the lobby")


async def check_token(event: AppSyncEvent) -> None:
    """Rooms need a bearer token; a real app would verify it against its issuer."""
    token = event.request_headers.get("authorization", "")
    if not token.startswith("Bearer "):
        raise UnauthorizedException("send 'Authorization: Bearer <token>' to join a room")


def allow() -> None:
    """Anyone may subscribe to channels no other route covers."""
