"""Deployment from channels.yaml: which namespaces exist, how each is wired, the SAM template."""

from __future__ import annotations

import os
import re
from typing import Any, NamedTuple

from .config import ConfigSpec
from .errors import Diagnostic
from .patterns import parse_pattern
from .table import OPERATIONS, PUBLISH

AUTH_TYPES = {
    "api-key": "API_KEY",
    "cognito": "AMAZON_COGNITO_USER_POOLS",
    "iam": "AWS_IAM",
    "oidc": "OPENID_CONNECT",
    "lambda": "AWS_LAMBDA",
}
DATA_SOURCE_NAME = "channel_router"


class TemplateOptions(NamedTuple):
    runtime: str = "python3.12"
    architecture: str = "arm64"
    auth: str = "api-key"
    memory_mb: int = 256
    timeout_s: int = 10
    event_namespaces: tuple[str, ...] = ()


def _namespace(pattern: str) -> str | None:
    return parse_pattern(pattern).namespace


def namespaces(spec: ConfigSpec) -> list[str]:
    """The API's namespaces: settings.namespaces if given, else those the routes name."""
    if spec.settings.namespaces:
        return list(spec.settings.namespaces)
    return sorted({ns for r in spec.routes if (ns := _namespace(r.pattern)) is not None})


def wiring(spec: ConfigSpec) -> dict[str, dict[str, bool]]:
    """For each namespace and operation, whether AppSync must invoke the router.

    A namespace's operation goes to the Lambda where a route handles it there (a route in that
    namespace, or '/*'); with 'unmatched: deny', everywhere, so that the router can refuse.
    """
    deny = spec.settings.unmatched == "deny"
    result = {}
    for name in namespaces(spec):
        result[name] = {
            operation: deny
            or any(
                r.operation == operation and _namespace(r.pattern) in (None, name)
                for r in spec.routes
            )
            for operation in OPERATIONS
        }
    return result


def namespace_diagnostics(spec: ConfigSpec) -> list[Diagnostic]:
    """Routes whose namespace the deployed API would not have, and '/*' with nothing to cover."""
    found = []
    declared = set(spec.settings.namespaces)
    for route in spec.routes:
        name = _namespace(route.pattern)
        if declared and name is not None and name not in declared:
            at = route.source
            found.append(
                Diagnostic(
                    at.file,
                    at.line,
                    at.column,
                    f"namespace '{name}' of pattern '{route.pattern}' is not in "
                    "settings.namespaces, so the deployed API would not have it; add it there",
                    "CR050",
                )
            )
    if not declared and any(r.pattern == "/*" for r in spec.routes):
        at = next(r.source for r in spec.routes if r.pattern == "/*")
        names = namespaces(spec)
        covered = f"only {', '.join(names)}" if names else "no namespace at all"
        found.append(
            Diagnostic(
                at.file,
                at.line,
                at.column,
                f"'/*' reaches {covered} once deployed: an Event API has only the namespaces it "
                "declares; list them in settings.namespaces",
                "CR105",
                "warning",
            )
        )
    return found


def _logical_id(name: str, taken: set[str]) -> str:
    base = "Namespace" + "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]", name))
    candidate, suffix = base, 2
    while candidate in taken:
        candidate, suffix = f"{base}{suffix}", suffix + 1
    taken.add(candidate)
    return candidate


def _auth(options: TemplateOptions) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The auth provider, the Parameters it needs, and any extra resources."""
    kind = AUTH_TYPES[options.auth]
    provider: dict[str, Any] = {"AuthType": kind}
    parameters: dict[str, Any] = {}
    resources: dict[str, Any] = {}
    if options.auth == "cognito":
        parameters["UserPoolId"] = {"Type": "String", "Description": "Cognito user pool id"}
        provider["CognitoConfig"] = {
            "UserPoolId": {"Ref": "UserPoolId"},
            "AwsRegion": {"Ref": "AWS::Region"},
        }
    elif options.auth == "oidc":
        parameters["OidcIssuer"] = {"Type": "String", "Description": "OpenID Connect issuer URL"}
        parameters["OidcClientId"] = {
            "Type": "String",
            "Default": "",
            "Description": "Client id (optional)",
        }
        provider["OpenIDConnectConfig"] = {
            "Issuer": {"Ref": "OidcIssuer"},
            "ClientId": {"Ref": "OidcClientId"},
        }
    elif options.auth == "lambda":
        parameters["AuthorizerArn"] = {
            "Type": "String",
            "Description": "ARN of the Lambda authorizer",
        }
        provider["LambdaAuthorizerConfig"] = {
            "AuthorizerUri": {"Ref": "AuthorizerArn"},
            "AuthorizerResultTtlInSeconds": 300,
        }
        resources["AuthorizerPermission"] = {
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "Action": "lambda:InvokeFunction",
                "FunctionName": {"Ref": "AuthorizerArn"},
                "Principal": "appsync.amazonaws.com",
                "SourceArn": {"Fn::GetAtt": ["EventApi", "ApiArn"]},
            },
        }
    return provider, parameters, resources


def build_template(spec: ConfigSpec, options: TemplateOptions, *, code_uri: str) -> dict[str, Any]:
    """An AWS SAM template deploying the Event API, its namespaces and the router function."""
    provider, parameters, resources = _auth(options)
    mode = [{"AuthType": provider["AuthType"]}]
    resources = {
        "RouterFunction": {
            "Type": "AWS::Serverless::Function",
            "Properties": {
                "Description": "channel-router: routes AppSync Events publish and subscribe",
                "Handler": "channel_router.lambda_handler",
                "Runtime": options.runtime,
                "Architectures": [options.architecture],
                "CodeUri": code_uri,
                "MemorySize": options.memory_mb,
                "Timeout": options.timeout_s,
                "Environment": {"Variables": {"CHANNELS_CONFIG": os.path.basename(spec.file)}},
            },
        },
        "EventApi": {
            "Type": "AWS::AppSync::Api",
            "Properties": {
                "Name": {"Fn::Sub": "${AWS::StackName}-events"},
                "EventConfig": {
                    "AuthProviders": [provider],
                    "ConnectionAuthModes": mode,
                    "DefaultPublishAuthModes": mode,
                    "DefaultSubscribeAuthModes": mode,
                },
            },
        },
        "DataSourceRole": {
            "Type": "AWS::IAM::Role",
            "Properties": {
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "appsync.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                },
                "Policies": [
                    {
                        "PolicyName": "invoke-channel-router",
                        "PolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Effect": "Allow",
                                    "Action": "lambda:InvokeFunction",
                                    "Resource": [
                                        {"Fn::GetAtt": ["RouterFunction", "Arn"]},
                                        {"Fn::Sub": "${RouterFunction.Arn}:*"},
                                    ],
                                }
                            ],
                        },
                    }
                ],
            },
        },
        "RouterDataSource": {
            "Type": "AWS::AppSync::DataSource",
            "Properties": {
                "ApiId": {"Fn::GetAtt": ["EventApi", "ApiId"]},
                "Name": DATA_SOURCE_NAME,
                "Type": "AWS_LAMBDA",
                "LambdaConfig": {"LambdaFunctionArn": {"Fn::GetAtt": ["RouterFunction", "Arn"]}},
                "ServiceRoleArn": {"Fn::GetAtt": ["DataSourceRole", "Arn"]},
            },
        },
        **resources,
    }
    taken: set[str] = set(resources)
    for name, operations in wiring(spec).items():
        handlers = {}
        for operation, wired in operations.items():
            if not wired:
                continue
            invoke = (
                "EVENT"
                if operation == PUBLISH and name in options.event_namespaces
                else "REQUEST_RESPONSE"
            )
            key = "OnPublish" if operation == PUBLISH else "OnSubscribe"
            handlers[key] = {
                "Behavior": "DIRECT",
                "Integration": {
                    "DataSourceName": {"Fn::GetAtt": ["RouterDataSource", "Name"]},
                    "LambdaConfig": {"InvokeType": invoke},
                },
            }
        properties: dict[str, Any] = {"ApiId": {"Fn::GetAtt": ["EventApi", "ApiId"]}, "Name": name}
        if handlers:
            properties["HandlerConfigs"] = handlers
        resources[_logical_id(name, taken)] = {
            "Type": "AWS::AppSync::ChannelNamespace",
            "Properties": properties,
        }
    outputs: dict[str, Any] = {
        "HttpEndpoint": {
            "Description": "HTTP publish endpoint",
            "Value": {"Fn::Sub": "https://${EventApi.Dns.Http}/event"},
        },
        "RealtimeEndpoint": {
            "Description": "WebSocket endpoint",
            "Value": {"Fn::Sub": "wss://${EventApi.Dns.Realtime}/event/realtime"},
        },
    }
    if options.auth == "api-key":
        resources["ApiKey"] = {
            "Type": "AWS::AppSync::ApiKey",
            "Properties": {"ApiId": {"Fn::GetAtt": ["EventApi", "ApiId"]}},
        }
        outputs["ApiKey"] = {
            "Description": "API key",
            "Value": {"Fn::GetAtt": ["ApiKey", "ApiKey"]},
        }
    template: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Transform": "AWS::Serverless-2016-10-31",
        "Description": "AppSync Event API routed by channel-router from "
        + os.path.basename(spec.file),
    }
    if parameters:
        template["Parameters"] = parameters
    template["Resources"] = resources
    template["Outputs"] = outputs
    return template


def dump(template: dict[str, Any]) -> str:
    import yaml  # the template command only

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True  # CloudFormation readers should not meet anchors

    header = "# Generated by `channel-router template`; regenerate it instead of editing.\n"
    return header + yaml.dump(template, Dumper=Dumper, sort_keys=False, width=100)
