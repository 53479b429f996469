"""channel-router template: valid CloudFormation for AppSync Events, wired exactly as the routes say."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.test_cli import run

ROOT = Path(__file__).parent.parent
CFN_LINT = shutil.which("cfn-lint") or str(Path(sys.executable).parent / "cfn-lint")

HANDLERS = "def pub(payload):\n    return payload\n\ndef sub():\n    return None\n"


def cfn_lint(text: str, tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(text)
    result = subprocess.run([CFN_LINT, str(path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr


def app(tmp_path: Path, channels: str, settings: str = "") -> Path:
    (tmp_path / "mod.py").write_text(HANDLERS)
    config = tmp_path / "channels.yaml"
    config.write_text(f"version: 1\n{settings}channels:\n{channels}")
    return config


def namespaces_of(template: dict[str, Any]) -> dict[str, dict[str, str]]:
    """namespace -> {'OnPublish': invoke type, 'OnSubscribe': ...} for the DIRECT handlers."""
    found = {}
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::AppSync::ChannelNamespace":
            handlers = resource["Properties"].get("HandlerConfigs", {})
            assert all(h["Behavior"] == "DIRECT" for h in handlers.values())
            found[resource["Properties"]["Name"]] = {
                key: h["Integration"]["LambdaConfig"]["InvokeType"] for key, h in handlers.items()
            }
    return found


def generate(tmp_path: Path, config: Path, *args: str) -> tuple[str, dict[str, Any]]:
    result = run("template", "--config", str(config), *args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return result.stdout, yaml.safe_load(result.stdout)


def test_example_app_template_is_valid_and_wired_like_its_routes(tmp_path: Path) -> None:
    text, template = generate(tmp_path, ROOT / "channels.yaml")
    cfn_lint(text, tmp_path)
    # unmatched: deny in the example, so every namespace sends both operations to the router
    assert namespaces_of(template) == {
        "analytics": {"OnPublish": "REQUEST_RESPONSE", "OnSubscribe": "REQUEST_RESPONSE"},
        "chat": {"OnPublish": "REQUEST_RESPONSE", "OnSubscribe": "REQUEST_RESPONSE"},
        "news": {"OnPublish": "REQUEST_RESPONSE", "OnSubscribe": "REQUEST_RESPONSE"},
    }
    function = template["Resources"]["RouterFunction"]["Properties"]
    assert function["Handler"] == "channel_router.lambda_handler"
    assert function["Environment"]["Variables"]["CHANNELS_CONFIG"] == "channels.yaml"
    assert template["Resources"]["RouterDataSource"]["Properties"]["Name"] == "channel_router"
    assert set(template["Outputs"]) == {"HttpEndpoint", "RealtimeEndpoint", "ApiKey"}
    assert "&id" not in text  # no YAML anchors


def test_handlers_are_wired_only_where_a_route_handles_the_operation(tmp_path: Path) -> None:
    config = app(
        tmp_path,
        "  /chat/*: {publish: mod:pub}\n  /news/*: {subscribe: mod:sub}\n  /both/a: {publish: mod:pub, subscribe: mod:sub}\n",
    )
    text, template = generate(tmp_path, config, "--event-invoke", "chat")
    cfn_lint(text, tmp_path)
    assert namespaces_of(template) == {
        "both": {"OnPublish": "REQUEST_RESPONSE", "OnSubscribe": "REQUEST_RESPONSE"},
        "chat": {"OnPublish": "EVENT"},
        "news": {"OnSubscribe": "REQUEST_RESPONSE"},
    }


def test_only_subscribe_routes(tmp_path: Path) -> None:
    config = app(tmp_path, "  /a/*: {subscribe: mod:sub}\n")
    text, template = generate(tmp_path, config)
    cfn_lint(text, tmp_path)
    assert namespaces_of(template) == {"a": {"OnSubscribe": "REQUEST_RESPONSE"}}


def test_catch_all_only_with_declared_namespaces(tmp_path: Path) -> None:
    config = app(
        tmp_path, "  /*: {publish: mod:pub}\n", "settings:\n  namespaces: [default, alerts, x-1]\n"
    )
    text, template = generate(tmp_path, config)
    cfn_lint(text, tmp_path)
    assert namespaces_of(template) == {
        name: {"OnPublish": "REQUEST_RESPONSE"} for name in ("default", "alerts", "x-1")
    }


def test_catch_all_alone_without_namespaces_is_refused(tmp_path: Path) -> None:
    config = app(tmp_path, "  /*: {publish: mod:pub}\n")
    result = run("template", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 1
    assert "no namespace to deploy" in result.stderr
    lint = run("lint", str(config), cwd=tmp_path)
    assert "warning: '/*' reaches no namespace at all once deployed" in lint.stdout


def test_many_namespaces(tmp_path: Path) -> None:
    channels = "".join(f"  /ns-{i}/*: {{publish: mod:pub}}\n" for i in range(40))
    text, template = generate(tmp_path, app(tmp_path, channels))
    cfn_lint(text, tmp_path)
    assert len(namespaces_of(template)) == 40


@pytest.mark.parametrize(
    ("auth", "auth_type", "parameters"),
    [
        ("api-key", "API_KEY", set()),
        ("cognito", "AMAZON_COGNITO_USER_POOLS", {"UserPoolId"}),
        ("iam", "AWS_IAM", set()),
        ("oidc", "OPENID_CONNECT", {"OidcIssuer", "OidcClientId"}),
        ("lambda", "AWS_LAMBDA", {"AuthorizerArn"}),
    ],
)
def test_each_auth_mode_gives_a_valid_template(
    tmp_path: Path, auth: str, auth_type: str, parameters: set[str]
) -> None:
    config = app(tmp_path, "  /chat/*: {publish: mod:pub, subscribe: mod:sub}\n")
    text, template = generate(
        tmp_path, config, "--auth", auth, "--architecture", "x86_64", "--runtime", "python3.13"
    )
    cfn_lint(text, tmp_path)
    event_config = template["Resources"]["EventApi"]["Properties"]["EventConfig"]
    assert event_config["AuthProviders"][0]["AuthType"] == auth_type
    assert event_config["DefaultSubscribeAuthModes"] == [{"AuthType": auth_type}]
    assert set(template.get("Parameters", {})) == parameters
    assert ("ApiKey" in template["Outputs"]) == (auth == "api-key")


def test_a_route_outside_the_declared_namespaces_is_a_lint_error(tmp_path: Path) -> None:
    config = app(
        tmp_path,
        "  /chat/*: {publish: mod:pub}\n  /*: {subscribe: mod:sub}\n",
        "settings:\n  namespaces: [default]\n",
    )
    lint = run("lint", str(config), cwd=tmp_path)
    assert lint.returncode == 1
    assert (
        "channels.yaml:5:22: error: namespace 'chat' of pattern '/chat/*' is not in settings.namespaces"
        in lint.stdout
    )
    assert run("template", "--config", str(config), cwd=tmp_path).returncode == 1


def test_invalid_namespace_names_are_schema_errors(tmp_path: Path) -> None:
    config = app(tmp_path, "  /*: {publish: mod:pub}\n", "settings:\n  namespaces: [ok, -bad]\n")
    lint = run("lint", str(config), cwd=tmp_path)
    assert (
        "channels.yaml:3:20: error: namespace '-bad' is not a valid AppSync namespace name"
        in lint.stdout
    )


def test_event_invoke_for_an_unknown_namespace_is_a_usage_error(tmp_path: Path) -> None:
    config = app(tmp_path, "  /chat/*: {publish: mod:pub}\n")
    assert (
        run("template", "--config", str(config), "--event-invoke", "nope", cwd=tmp_path).returncode
        == 2
    )


def test_the_sam_example_template_is_what_the_command_generates() -> None:
    example = ROOT / "examples" / "sam"
    result = run("template", "--config", "channels.yaml", cwd=example)
    assert result.returncode == 0, result.stderr
    assert (example / "template.yaml").read_text() == result.stdout
