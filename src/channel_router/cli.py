"""The channel-router command line: lint, routes, which, invoke, build, serve, template, schema.

Each command imports what it uses inside its function, so a command loads only its own
modules (serve's aiohttp, template's YAML dumper, lint's jsonschema).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class UsageError(Exception):
    """Bad arguments or an unreadable file: exit 2 with the message."""


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("channel-router")
    except PackageNotFoundError:
        from ._version import __version__

        return __version__


def _read_check(path: str) -> None:
    """A missing or unreadable file is a usage error (exit 2), not a config problem."""
    try:
        with open(path, "rb") as stream:
            stream.read(1)  # a directory opens on some systems but cannot be read
    except OSError as exc:
        raise UsageError(f"cannot read {path!r}: {exc.strerror or exc}") from None


def _load(path: str) -> Any:
    """The router for ``path``; its problems (in lint format) and exit 1 if it is invalid."""
    from .errors import ConfigError
    from .router import load

    _read_check(path)
    try:
        return load(path)
    except ConfigError as exc:
        sys.stderr.write(str(exc) + "\n")
        raise SystemExit(EXIT_PROBLEMS) from None


# --- lint -----------------------------------------------------------------------------------


def cmd_lint(args: argparse.Namespace) -> int:
    from . import lint

    files = args.files or ["channels.yaml"]
    for file in files:
        _read_check(file)
    diagnostics = []
    for file in files:
        diagnostics.extend(lint.lint_file(file, import_handlers=not args.no_import))
    diagnostics.sort()
    fmt = args.format or lint.default_format()
    if fmt == "json":
        sys.stdout.write(lint.format_json(diagnostics, files))
    elif fmt == "github":
        sys.stdout.write(lint.format_github(diagnostics))
    else:
        sys.stdout.write(lint.format_text(diagnostics))
    if fmt != "json":
        sys.stderr.write(lint.summary(diagnostics, len(files)) + "\n")
    return EXIT_PROBLEMS if any(d.level == "error" for d in diagnostics) else EXIT_OK


# --- routes and which -----------------------------------------------------------------------


def _table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        + "\n"
        for row in rows
    )


def cmd_routes(args: argparse.Namespace) -> int:
    router = _load(args.config)
    routes = router.table.routes()
    if args.format == "json":
        document = [
            {
                "pattern": r.pattern.text,
                "operation": r.operation,
                "handler": r.handler.ref.text,
                "aggregate": r.aggregate,
                "async": r.is_async,
                "source": str(r.source),
            }
            for r in routes
        ]
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return EXIT_OK
    rows = [["PATTERN", "OPERATION", "HANDLER", "FLAGS", "DECLARED AT"]]
    rows += [
        [r.pattern.text, r.operation, r.handler.ref.text, ",".join(r.flags) or "-", str(r.source)]
        for r in routes
    ]
    sys.stdout.write(_table(rows))
    sys.stdout.write(f"unmatched channels: {router.settings.unmatched}\n")
    return EXIT_OK


def cmd_which(args: argparse.Namespace) -> int:
    from .patterns import PatternError, check_channel, is_subscription

    wildcard = "/" + args.channel.lstrip("/")
    if args.operation == "subscribe" and is_subscription(wildcard):
        channel = wildcard  # a client may subscribe to '/ns/*'; the router sees that path
    else:
        try:
            channel = check_channel(args.channel)
        except PatternError as exc:
            raise UsageError(str(exc)) from None
    router = _load(args.config)
    operations = [args.operation] if args.operation else ["publish", "subscribe"]
    matched = 0
    for index, operation in enumerate(operations):
        if index:
            sys.stdout.write("\n")
        sys.stdout.write(f"{operation} {channel}\n")
        table = router.table.for_operation(operation)
        chosen = None
        for step, (pattern, route) in enumerate(table.candidates(channel), start=1):
            kind = "wildcard" if pattern.endswith("/*") else "exact"
            if route is not None and chosen is None:
                chosen = route
                verdict = "match"
            else:
                verdict = "no route" if route is None else "not reached"
            sys.stdout.write(f"  {step}. {pattern:<40} {kind:<9} {verdict}\n")
        if chosen is None:
            outcome = (
                "UnauthorizedException (settings.unmatched: deny)"
                if router.settings.unmatched == "deny"
                else (
                    "passed through unchanged (settings.unmatched: allow)"
                    if operation == "publish"
                    else "accepted (settings.unmatched: allow)"
                )
            )
            sys.stdout.write(f"  -> no route: {outcome}\n")
            continue
        matched += 1
        flags = f" [{', '.join(chosen.flags)}]" if chosen.flags else ""
        sys.stdout.write(
            f"  -> {chosen.pattern.text} runs {chosen.handler.ref.text}{flags}, declared at "
            f"{chosen.source}\n"
        )
    return EXIT_OK if matched else EXIT_PROBLEMS


# --- invoke ---------------------------------------------------------------------------------


def _json_argument(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{what} is not valid JSON ({exc.msg}): {text!r}") from None


def _request_for(args: argparse.Namespace) -> dict[str, Any]:
    from .local import build_request
    from .patterns import PatternError, check_channel

    if args.request:
        source = sys.stdin.read() if args.request == "-" else None
        if source is None:
            _read_check(args.request)
            source = Path(args.request).read_text(encoding="utf-8")
        request = _json_argument(source, f"request file {args.request!r}")
        if not isinstance(request, dict):
            raise UsageError(f"request file {args.request!r} must hold a JSON object")
        return request
    if not args.channel:
        raise UsageError("name a CHANNEL to invoke, or give --request FILE")
    try:
        channel = check_channel(args.channel)
    except PatternError as exc:
        raise UsageError(str(exc)) from None
    operation = args.operation or "publish"
    payloads = [_json_argument(p, "payload") for p in args.payloads]
    if operation == "publish" and not 1 <= len(payloads) <= 5:
        raise UsageError(f"a publish carries 1 to 5 JSON payloads, not {len(payloads)}")
    if operation == "subscribe" and payloads:
        raise UsageError("a subscribe carries no payloads")
    headers = {}
    for header in args.header:
        name, sep, value = header.partition(":")
        if not sep or not name.strip():
            raise UsageError(f"--header takes 'Name: value', not {header!r}")
        headers[name.strip().lower()] = value.strip()
    identity = _json_argument(args.identity, "--identity") if args.identity else None
    return build_request(channel, operation, payloads, headers=headers, identity=identity)


def cmd_invoke(args: argparse.Namespace) -> int:
    from .errors import InvalidRequestError
    from .local import LocalContext
    from .response import is_unauthorized

    request = _request_for(args)
    router = _load(args.config)
    try:
        response = router.resolve(request, LocalContext(timeout_ms=args.timeout_ms))
    except InvalidRequestError as exc:
        raise UsageError(str(exc)) from None
    except Exception as exc:
        if not is_unauthorized(exc):
            raise
        sys.stderr.write(f"invocation failed: UnauthorizedException: {exc}\n")
        return EXIT_PROBLEMS
    sys.stdout.write(json.dumps(response, indent=2) + "\n")
    return EXIT_OK


# --- build and schema -----------------------------------------------------------------------


def cmd_build(args: argparse.Namespace) -> int:
    from . import compiled, lint
    from .config import check
    from .handlers import isolated_imports

    _read_check(args.file)
    with isolated_imports():
        result = check(args.file)
    errors = [d for d in result.diagnostics if d.level == "error" and d.code != "CR040"]
    if errors or result.spec is None:
        sys.stderr.write(lint.format_text(errors))
        sys.stderr.write(lint.summary(errors, 1) + "; nothing written\n")
        return EXIT_PROBLEMS
    target = compiled.lock_path(args.file)
    Path(target).write_text(compiled.dumps(result.spec, Path(args.file).read_bytes()), "utf-8")
    sys.stdout.write(f"wrote {target} ({len(result.spec.routes)} routes)\n")
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    try:
        from . import serve  # needs the [serve] extra
    except ImportError as exc:
        raise UsageError(
            f"serve needs aiohttp ({exc}); install it with: pip install 'channel-router[serve]'"
        ) from None
    from .errors import ConfigError

    _read_check(args.config)
    if args.no_auth and args.api_key:
        raise UsageError("--api-key and --no-auth contradict each other; choose one")
    api_key = None if args.no_auth else (args.api_key or serve.new_api_key())
    if bool(args.tls_cert) != bool(args.tls_key):
        raise UsageError("--tls-cert and --tls-key go together")
    tls: tuple[str, str] | None = None
    if args.tls_cert:
        for path in (args.tls_cert, args.tls_key):
            _read_check(path)
        tls = (args.tls_cert, args.tls_key)
    elif args.tls:
        from .tls import self_signed

        cert, key = self_signed()
        tls = (str(cert), str(key))
    try:
        serve.serve(
            args.config,
            host=args.host,
            port=args.port,
            api_key=api_key,
            keepalive_seconds=args.keepalive_seconds,
            reload=not args.no_reload,
            tls=tls,
        )
    except ConfigError as exc:
        sys.stderr.write(str(exc) + "\n")
        return EXIT_PROBLEMS
    except OSError as exc:
        raise UsageError(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}"
        ) from None
    return EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    from . import deploy, lint
    from .config import check
    from .handlers import isolated_imports

    _read_check(args.config)
    with isolated_imports():
        result = check(args.config)
    spec = result.spec
    errors = [d for d in result.diagnostics if d.level == "error"]
    if spec is not None:
        errors += [d for d in deploy.namespace_diagnostics(spec) if d.level == "error"]
    if errors or spec is None:
        sys.stderr.write(lint.format_text(sorted(errors)))
        sys.stderr.write(lint.summary(errors, 1) + "; no template written\n")
        return EXIT_PROBLEMS
    names = deploy.namespaces(spec)
    if not names:
        sys.stderr.write(
            f"{args.config}: error: no namespace to deploy: '/*' alone names none; "
            "list them in settings.namespaces\n"
        )
        return EXIT_PROBLEMS
    unknown = sorted(set(args.event_invoke) - set(names))
    if unknown:
        raise UsageError(f"--event-invoke names {', '.join(unknown)}, not among {', '.join(names)}")
    options = deploy.TemplateOptions(
        runtime=args.runtime,
        architecture=args.architecture,
        auth=args.auth,
        memory_mb=args.memory,
        timeout_s=args.timeout,
        event_namespaces=tuple(args.event_invoke),
    )
    code_uri = os.path.relpath(os.path.dirname(os.path.abspath(args.config)))
    sys.stdout.write(deploy.dump(deploy.build_template(spec, options, code_uri=code_uri)))
    return EXIT_OK


def cmd_schema(args: argparse.Namespace) -> int:
    from .schema import schema_text

    sys.stdout.write(schema_text())
    return EXIT_OK


# --- the parser -----------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _command(
    commands: Any, name: str, help_text: str, example: str, handler: Any
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = commands.add_parser(
        name,
        help=help_text,
        description=help_text,
        epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=handler)
    return parser


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="channel-router",
        description="Config-driven routing for AWS AppSync Events Lambda handlers.",
        epilog="example:\n  channel-router lint channels.yaml",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"channel-router {_version()}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", parser_class=_Parser)

    lint = _command(
        commands,
        "lint",
        "check config files: YAML, schema, patterns, handler imports, flags and signatures",
        "channel-router lint channels.yaml --format github",
        cmd_lint,
    )
    lint.add_argument(
        "files", nargs="*", metavar="FILE", help="config files (default: channels.yaml)"
    )
    lint.add_argument(
        "--format",
        choices=["text", "json", "github"],
        help="output format (default: text, or github when GITHUB_ACTIONS=true)",
    )
    lint.add_argument(
        "--no-import",
        action="store_true",
        help="check handlers by reading their source instead of importing them",
    )

    routes = _command(
        commands,
        "routes",
        "print the routing table, most specific first",
        "channel-router routes --config channels.yaml",
        cmd_routes,
    )
    routes.add_argument("--config", default="channels.yaml", metavar="FILE")
    routes.add_argument("--format", choices=["text", "json"], default="text")

    which = _command(
        commands,
        "which",
        "show which route and handler run for a channel, and why",
        "channel-router which /chat/room-1 --operation publish",
        cmd_which,
    )
    which.add_argument("channel", metavar="CHANNEL")
    which.add_argument("--operation", choices=["publish", "subscribe"])
    which.add_argument("--config", default="channels.yaml", metavar="FILE")

    invoke = _command(
        commands,
        "invoke",
        "run a publish or subscribe request through the router and print the response",
        "channel-router invoke /chat/lobby '{\"text\": \"hi\"}' --header 'x-user: alice'",
        cmd_invoke,
    )
    invoke.add_argument("channel", nargs="?", metavar="CHANNEL")
    invoke.add_argument(
        "payloads", nargs="*", metavar="PAYLOAD", help="1 to 5 JSON values to publish"
    )
    invoke.add_argument("--operation", choices=["publish", "subscribe"])
    invoke.add_argument("--header", action="append", default=[], metavar="'NAME: VALUE'")
    invoke.add_argument("--identity", metavar="JSON", help="the request's identity object")
    invoke.add_argument(
        "--request", metavar="FILE", help="a whole Lambda request as JSON ('-' for stdin)"
    )
    invoke.add_argument(
        "--timeout-ms", type=int, default=30_000, help="the Lambda timeout to emulate"
    )
    invoke.add_argument("--config", default="channels.yaml", metavar="FILE")

    build = _command(
        commands,
        "build",
        "lint, then write the compiled routing table beside the config",
        "channel-router build channels.yaml",
        cmd_build,
    )
    build.add_argument("file", nargs="?", default="channels.yaml", metavar="FILE")

    serve = _command(
        commands,
        "serve",
        "run a local AppSync Events endpoint (HTTP publish + WebSocket) for the routes",
        "channel-router serve --port 8080 --api-key da2-local",
        cmd_serve,
    )
    serve.add_argument("--config", default="channels.yaml", metavar="FILE")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080, help="0 picks a free port")
    serve.add_argument(
        "--api-key", metavar="KEY", help="the key clients must send (default: a new one)"
    )
    serve.add_argument("--no-auth", action="store_true", help="accept every client")
    serve.add_argument(
        "--keepalive-seconds",
        type=float,
        default=60.0,
        help="interval of 'ka' frames (AppSync: 60)",
    )
    serve.add_argument(
        "--no-reload", action="store_true", help="do not reload when the config or handlers change"
    )
    serve.add_argument(
        "--tls", action="store_true", help="serve HTTPS/WSS with a cached self-signed certificate"
    )
    serve.add_argument("--tls-cert", metavar="FILE", help="serve HTTPS/WSS with this certificate")
    serve.add_argument("--tls-key", metavar="FILE", help="the certificate's private key")

    template = _command(
        commands,
        "template",
        "print an AWS SAM template for the Event API, its namespaces and the router function",
        "channel-router template --config channels.yaml > template.yaml",
        cmd_template,
    )
    template.add_argument("--config", default="channels.yaml", metavar="FILE")
    template.add_argument("--runtime", default="python3.12", help="Lambda runtime")
    template.add_argument("--architecture", choices=["arm64", "x86_64"], default="arm64")
    template.add_argument(
        "--auth", choices=["api-key", "cognito", "iam", "oidc", "lambda"], default="api-key"
    )
    template.add_argument("--memory", type=int, default=256, metavar="MB")
    template.add_argument("--timeout", type=int, default=10, metavar="SECONDS")
    template.add_argument(
        "--event-invoke",
        action="append",
        default=[],
        metavar="NAMESPACE",
        help="invoke the router asynchronously (EVENT) for publishes in this namespace",
    )

    _command(
        commands,
        "schema",
        "print the JSON Schema of channels.yaml",
        "channel-router schema > channels.schema.json",
        cmd_schema,
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return int(args.handler(args))
    except UsageError as exc:
        sys.stderr.write(f"channel-router: error: {exc}\n")
        return EXIT_USAGE
    except SystemExit:
        raise
    except KeyboardInterrupt:
        return 130
    except BaseException:
        sys.stderr.write("channel-router: internal error; please report it with this traceback:\n")
        traceback.print_exc()
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
