"""The ``event`` view handlers receive: Powertools' names, shortcuts, identity helpers."""

from __future__ import annotations

from typing import Any

import pytest

from channel_router import AppSyncEvent
from tests.conftest import publish_request, subscribe_request

COGNITO = {
    "sub": "user-123",
    "issuer": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc",
    "username": "alice",
    "claims": {"email": "alice@example.com"},
    "sourceIp": ["1.1.1.1"],
    "groups": ["admins"],
    "defaultAuthStrategy": "ALLOW",
}
IAM = {
    "accountId": "123456789012",
    "cognitoIdentityPoolId": None,
    "cognitoIdentityId": None,
    "sourceIp": ["1.1.1.1"],
    "username": "AIDAEXAMPLE",
    "userArn": "arn:aws:iam::123456789012:user/alice",
    "cognitoIdentityAuthType": None,
    "cognitoIdentityAuthProvider": None,
}
LAMBDA = {"handlerContext": {"tenant": "t1"}}
OIDC = {"sub": "oidc-1", "issuer": "https://issuer.example.com", "claims": {"aud": "x"}}


def _view(raw: dict[str, Any]) -> AppSyncEvent:
    return AppSyncEvent(raw, raw["info"]["channel"]["path"], raw["info"]["operation"].lower())


def test_view_offers_powertools_names_and_shortcuts() -> None:
    view = _view(publish_request("/default/room/1"))
    assert view.info.channel_path == view.channel_path == "/default/room/1"
    assert view.info.channel_segments == view.segments == ["default", "room", "1"]
    assert view.info.channel_namespace == view.namespace == "default"
    assert view.info.operation == view.operation == "PUBLISH"
    assert view.events == [
        {"id": "1", "payload": {"data": "data_1"}},
        {"id": "2", "payload": {"data": "data_2"}},
    ]
    assert view.stash == {}
    assert view.raw_event["info"]["operation"] == "PUBLISH"


def test_none_strings_from_real_samples_read_as_null() -> None:
    view = _view(publish_request())
    assert view.domain_name is None
    assert len(view.identity) == 0
    assert view.identity.auth_type == "API_KEY"


def test_headers_are_case_insensitive() -> None:
    view = _view(publish_request(headers={"X-Forwarded-For": "1.1.1.1", "user-agent": "ua"}))
    assert view.request_headers["x-forwarded-for"] == "1.1.1.1"
    assert view.request_headers["User-Agent"] == "ua"
    assert view.request_headers.get("missing") is None
    assert set(view.request_headers) == {"X-Forwarded-For", "user-agent"}


@pytest.mark.parametrize(
    ("identity", "auth_type"),
    [
        (None, "API_KEY"),
        (COGNITO, "AMAZON_COGNITO_USER_POOLS"),
        (IAM, "AWS_IAM"),
        (LAMBDA, "AWS_LAMBDA"),
        (OIDC, "OPENID_CONNECT"),
    ],
)
def test_identity_auth_type_is_inferred_from_its_fields(identity: Any, auth_type: str) -> None:
    assert _view(subscribe_request(identity=identity)).identity.auth_type == auth_type


def test_identity_helpers_read_each_auth_mode() -> None:
    cognito = _view(subscribe_request(identity=COGNITO)).identity
    assert (cognito.sub, cognito.username, cognito.groups, cognito.claims["email"]) == (
        "user-123",
        "alice",
        ["admins"],
        "alice@example.com",
    )
    assert cognito["sub"] == "user-123"
    iam = _view(subscribe_request(identity=IAM)).identity
    assert (iam.user_arn, iam.account_id, iam.source_ip) == (
        IAM["userArn"],
        "123456789012",
        ["1.1.1.1"],
    )
    assert _view(subscribe_request(identity=LAMBDA)).identity.handler_context == {"tenant": "t1"}
    oidc = _view(subscribe_request(identity=OIDC)).identity
    assert (oidc.sub, oidc.issuer) == ("oidc-1", "https://issuer.example.com")


def test_cognito_user_in_no_group_has_empty_groups() -> None:
    assert _view(subscribe_request(identity={**COGNITO, "groups": None})).identity.groups == []


def test_subscribe_view_has_no_events() -> None:
    assert _view(subscribe_request()).events == []
