"""channel-router serve: a local AppSync Events endpoint (HTTP publish + WebSocket) for the routes.

Needs the ``serve`` extra (aiohttp). The wire protocol follows AWS's documentation of the
AppSync Events HTTP and WebSocket APIs, so real clients connect to it unchanged.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import importlib
import json
import logging
import os
import re
import secrets
import signal
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from aiohttp import WSMsgType, web

from .errors import ConfigError, InvalidRequestError
from .local import LocalContext, build_request
from .patterns import PatternError, check_channel, is_channel, is_subscription, parse_pattern
from .response import is_unauthorized
from .router import Router, load
from .table import PUBLISH, SUBSCRIBE, Route
from .tls import server_context, trust_hint

logger = logging.getLogger("channel_router.serve")

SUBPROTOCOL = "aws-appsync-event-ws"
CONNECTION_TIMEOUT_MS = 300_000
MAX_EVENTS = 5
MAX_SUBSCRIPTIONS = 200
OPERATION_ID = re.compile(r"[a-zA-Z0-9\-_+]{1,128}")
CONSOLE = Path(__file__).with_name("console")


class ClientError(Exception):
    """A request the endpoint refuses; ``error_type`` and the HTTP status say how."""

    def __init__(self, error_type: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.status = status

    def errors(self) -> list[dict[str, str]]:
        return [{"errorType": self.error_type, "message": str(self)}]


def _decode_events(events: Any) -> list[Any]:
    """Publishers send each event as a JSON *string*; decode them, refusing bad ones."""
    if not isinstance(events, list) or not 1 <= len(events) <= MAX_EVENTS:
        raise ClientError("BadRequestException", "'events' must be a list of 1 to 5 JSON strings")
    decoded = []
    for index, text in enumerate(events):
        if not isinstance(text, str):
            raise ClientError("BadRequestException", f"events[{index}] must be a JSON string")
        try:
            decoded.append(json.loads(text))
        except ValueError:
            raise ClientError(
                "BadRequestException", f"events[{index}] is not valid JSON: {text[:60]!r}"
            ) from None
    return decoded


def _publish_channel(channel: Any) -> str:
    if not isinstance(channel, str):
        raise ClientError("BadRequestException", "'channel' must be a string like 'default/chat'")
    try:
        return check_channel(channel)
    except PatternError as exc:
        raise ClientError("BadRequestException", str(exc)) from None


def _auth_headers(value: Any) -> dict[str, str]:
    """An auth object a client sent, as request headers with lower-case names ({} if none)."""
    if not isinstance(value, dict):
        return {}
    return {str(k).lower(): str(v) for k, v in value.items()}


def _header_auth(request: web.Request) -> dict[str, str]:
    """The auth a WebSocket client sends in its 'header-<base64url JSON>' subprotocol."""
    offered = request.headers.get("Sec-WebSocket-Protocol", "")
    for protocol in (p.strip() for p in offered.split(",")):
        if protocol.startswith("header-"):
            encoded = protocol[len("header-") :]
            try:
                value = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
            except (ValueError, binascii.Error):
                return {}
            return _auth_headers(value)
    return {}


class Subscription:
    """One client's subscription to a channel or a '/ns/*' wildcard."""

    __slots__ = ("channel", "id", "pattern", "socket")

    def __init__(self, socket: web.WebSocketResponse, subscription_id: str, channel: str) -> None:
        self.socket = socket
        self.id = subscription_id
        self.channel = channel
        self.pattern = parse_pattern(channel)

    def wants(self, channel: str) -> bool:
        return self.pattern.matches(channel)


class EventServer:
    """One local Event API: the router, the API key, and who is subscribed to what."""

    def __init__(
        self, config: str, *, api_key: str | None, keepalive_seconds: float, reload: bool
    ) -> None:
        self.config = config
        self.api_key = api_key
        self.keepalive_seconds = keepalive_seconds
        self.reload_enabled = reload
        self.router: Router = load(config)
        self.subscriptions: set[Subscription] = set()
        self._mtimes = self._snapshot()

    # --- routes -------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(client_max_size=1_200_000)
        app.router.add_post("/event", self.http_publish)
        app.router.add_get("/event/realtime", self.realtime)
        app.router.add_get("/", self.index)
        app.router.add_get("/console/{name}", self.console_file)
        app.router.add_get("/_router/routes", self.routes)
        app.router.add_get("/_router/which", self.which)
        if self.reload_enabled:
            app.on_startup.append(self._start_watching)
        return app

    async def index(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(CONSOLE / "index.html")

    async def console_file(self, request: web.Request) -> web.FileResponse:
        name = request.match_info["name"]
        if name not in ("console.js", "console.css"):
            raise web.HTTPNotFound()
        return web.FileResponse(CONSOLE / name)

    async def routes(self, request: web.Request) -> web.Response:
        """The routing table, for the console."""
        router = self.router
        return web.json_response(
            {
                "unmatched": router.settings.unmatched,
                "routes": [_route_json(r) for r in router.table.routes()],
            }
        )

    async def which(self, request: web.Request) -> web.Response:
        """The route that handles an operation on a channel, for the console."""
        operation = request.query.get("operation", "publish")
        if operation not in (PUBLISH, SUBSCRIBE):
            raise web.HTTPBadRequest(text="operation is publish or subscribe")
        channel = request.query.get("channel", "")
        channel = channel if channel.startswith("/") else "/" + channel
        if not (is_channel(channel) or (operation == SUBSCRIBE and is_subscription(channel))):
            return web.json_response({"error": f"{channel!r} is not a channel"}, status=400)
        route = self.router.match(channel, operation)
        return web.json_response(
            {
                "channel": channel,
                "operation": operation,
                "route": None if route is None else _route_json(route),
                "unmatched": self.router.settings.unmatched,
            }
        )

    # --- auth ---------------------------------------------------------------------------

    def authorize(self, headers: dict[str, str]) -> None:
        """Check the API key among request headers (names in lower case)."""
        if self.api_key is not None and headers.get("x-api-key") != self.api_key:
            raise ClientError(
                "UnauthorizedException", "You are not authorized to make this call.", 401
            )

    # --- publish ------------------------------------------------------------------------

    async def publish(
        self, channel: str, payloads: list[Any], headers: dict[str, str]
    ) -> dict[str, Any]:
        """Run a publish through the router, broadcast what it lets through, report each event."""
        identifiers = [str(uuid.uuid4()) for _ in payloads]
        lambda_request = build_request(channel, PUBLISH, payloads, headers=headers, ids=identifiers)
        response = await self._resolve(lambda_request)
        successful: list[dict[str, Any]] = []
        failed: list[dict[str, Any]] = []
        broadcast = 0
        if isinstance(response, dict) and set(response) == {"error"}:
            failed = [_failed(i, n, response["error"]) for n, i in enumerate(identifiers)]
        else:
            items = {item["id"]: item for item in (response or {}).get("events", [])}
            for index, identifier in enumerate(identifiers):
                item = items.get(identifier)
                if item is not None and "error" in item:
                    failed.append(_failed(identifier, index, item["error"]))
                    continue
                # An event the router left out was dropped on purpose: a success, not broadcast.
                successful.append({"identifier": identifier, "index": index})
                if item is not None:
                    broadcast += 1
                    await self.broadcast(channel, item["payload"])
        logger.info(
            "publish %s: %d in, %d broadcast, %d dropped, %d failed",
            channel,
            len(payloads),
            broadcast,
            len(successful) - broadcast,
            len(failed),
        )
        return {"successful": successful, "failed": failed}

    async def _resolve(self, lambda_request: dict[str, Any]) -> Any:
        context = LocalContext(timeout_ms=30_000)
        route = self.router.match(
            lambda_request["info"]["channel"]["path"], lambda_request["info"]["operation"]
        )
        if route is not None and route.is_async:
            return await self.router.resolve_async(lambda_request, context)
        return await asyncio.to_thread(self.router.resolve, lambda_request, context)

    async def broadcast(self, channel: str, payload: Any) -> None:
        text = json.dumps(payload)
        for subscription in list(self.subscriptions):
            if subscription.wants(channel) and not subscription.socket.closed:
                frame = {"type": "data", "id": subscription.id, "event": text}
                try:
                    await subscription.socket.send_json(frame)
                except (ConnectionError, RuntimeError):
                    self.subscriptions.discard(subscription)

    async def http_publish(self, request: web.Request) -> web.Response:
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            self.authorize(headers)
            try:
                body = await request.json()
            except ValueError:
                raise ClientError("BadRequestException", "the body must be a JSON object") from None
            if not isinstance(body, dict):
                raise ClientError("BadRequestException", "the body must be a JSON object")
            channel = _publish_channel(body.get("channel"))
            payloads = _decode_events(body.get("events"))
            result = await self.publish(channel, payloads, headers)
        except ClientError as exc:
            return web.json_response({"errors": exc.errors()}, status=exc.status)
        except Exception as exc:
            return web.json_response({"errors": _invocation_errors(exc)}, status=_status(exc))
        return web.json_response(result)

    # --- WebSocket ----------------------------------------------------------------------

    async def realtime(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(protocols=(SUBPROTOCOL,), autoping=True)
        await socket.prepare(request)
        connection_auth = _header_auth(request)
        peer = request.remote
        try:
            self.authorize(connection_auth)
        except ClientError as exc:
            await socket.send_json({"type": "connection_error", "errors": exc.errors()})
            await socket.close()
            logger.info("connection from %s refused: %s", peer, exc)
            return socket
        logger.info("connection from %s", peer)
        keepalive = asyncio.create_task(self._keepalive(socket))
        mine: dict[str, Subscription] = {}
        try:
            async for message in socket:
                if message.type != WSMsgType.TEXT:
                    continue
                await self._frame(socket, message.data, mine, connection_auth)
        finally:
            keepalive.cancel()
            for subscription in mine.values():
                self.subscriptions.discard(subscription)
            logger.info("connection from %s closed (%d subscriptions)", peer, len(mine))
        return socket

    async def _keepalive(self, socket: web.WebSocketResponse) -> None:
        while not socket.closed:
            await asyncio.sleep(self.keepalive_seconds)
            if not socket.closed:
                await socket.send_json({"type": "ka"})

    async def _frame(
        self,
        socket: web.WebSocketResponse,
        data: str,
        mine: dict[str, Subscription],
        connection_auth: dict[str, str],
    ) -> None:
        try:
            frame = json.loads(data)
        except ValueError:
            frame = None
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            refused = ClientError("BadRequestException", "frames are JSON objects with a 'type'")
            await socket.send_json({"type": "error", "errors": refused.errors()})
            return
        kind = frame["type"]
        if kind == "connection_init":
            await socket.send_json(
                {"type": "connection_ack", "connectionTimeoutMs": CONNECTION_TIMEOUT_MS}
            )
            return
        if kind not in ("subscribe", "unsubscribe", "publish"):
            refused = ClientError("UnsupportedOperation", f"unknown message type {kind!r}")
            await socket.send_json({"type": "error", "errors": refused.errors()})
            return
        operation_id = frame.get("id")
        if not isinstance(operation_id, str) or not OPERATION_ID.fullmatch(operation_id):
            refused = ClientError("BadRequestException", "'id' must match [a-zA-Z0-9-_+]{1,128}")
            shown = operation_id if isinstance(operation_id, str) else None
            await socket.send_json(
                {"type": f"{kind}_error", "id": shown, "errors": refused.errors()}
            )
            return
        try:
            if kind == "subscribe":
                await self._subscribe(socket, frame, operation_id, mine, connection_auth)
            elif kind == "unsubscribe":
                subscription = mine.pop(operation_id, None)
                if subscription is None:
                    raise ClientError(
                        "UnknownOperationError", f"Unknown operation id {operation_id}"
                    )
                self.subscriptions.discard(subscription)
                logger.info("unsubscribe %s from %s", operation_id, subscription.channel)
                await socket.send_json({"type": "unsubscribe_success", "id": operation_id})
            else:
                headers = _auth_headers(frame.get("authorization"))
                self.authorize(headers)
                channel = _publish_channel(frame.get("channel"))
                payloads = _decode_events(frame.get("events"))
                result = await self.publish(channel, payloads, headers)
                await socket.send_json({"type": "publish_success", "id": operation_id, **result})
        except ClientError as exc:
            await socket.send_json(
                {"type": f"{kind}_error", "id": operation_id, "errors": exc.errors()}
            )
        except Exception as exc:
            await socket.send_json(
                {"type": f"{kind}_error", "id": operation_id, "errors": _invocation_errors(exc)}
            )

    async def _subscribe(
        self,
        socket: web.WebSocketResponse,
        frame: dict[str, Any],
        operation_id: str,
        mine: dict[str, Subscription],
        connection_auth: dict[str, str],
    ) -> None:
        auth = frame.get("authorization")
        headers = _auth_headers(auth) if isinstance(auth, dict) else connection_auth
        self.authorize(headers)
        channel = frame.get("channel")
        if not isinstance(channel, str):
            raise ClientError("BadRequestException", "'channel' must be a string like '/default/*'")
        channel = channel if channel.startswith("/") else "/" + channel
        if not (is_channel(channel) or is_subscription(channel)):
            raise ClientError(
                "BadRequestException", f"{channel!r} is not a channel or a '/namespace/*' wildcard"
            )
        if operation_id in mine:
            raise ClientError(
                "BadRequestException", f"subscription id {operation_id} is already in use"
            )
        if len(mine) >= MAX_SUBSCRIPTIONS:
            raise ClientError(
                "MaxSubscriptionsReachedError", "at most 200 subscriptions per connection"
            )
        decision = await self._resolve(build_request(channel, SUBSCRIBE, headers=headers))
        if decision is not None:
            raise ClientError(
                "SubscribeRejected", str(decision.get("error", "subscription rejected"))
            )
        subscription = Subscription(socket, operation_id, channel)
        mine[operation_id] = subscription
        self.subscriptions.add(subscription)
        logger.info("subscribe %s to %s", operation_id, channel)
        await socket.send_json({"type": "subscribe_success", "id": operation_id})

    # --- reload -------------------------------------------------------------------------

    def _watched(self) -> Iterator[str]:
        root = os.path.dirname(os.path.abspath(self.config))
        yield os.path.abspath(self.config)
        for directory, subdirectories, files in os.walk(root):
            subdirectories[:] = [
                d
                for d in subdirectories
                if not d.startswith(".") and d not in ("node_modules", "__pycache__", "venv")
            ]
            yield from (os.path.join(directory, f) for f in files if f.endswith(".py"))

    def _snapshot(self) -> dict[str, float]:
        stamps = {}
        for path in self._watched():
            try:
                stamps[path] = os.stat(path).st_mtime
            except OSError:
                continue
        return stamps

    async def _start_watching(self, app: web.Application) -> None:
        app["watcher"] = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            stamps = await asyncio.to_thread(self._snapshot)
            if stamps != self._mtimes:
                self._mtimes = stamps
                self.reload()

    def reload(self) -> None:
        """Re-read the config and its handler modules; keep the old table if the new one fails."""
        root = os.path.join(os.path.dirname(os.path.abspath(self.config)), "")
        stale = {
            name: module
            for name, module in list(sys.modules.items())
            if str(getattr(module, "__file__", None) or "").startswith(root)
        }
        for name in stale:
            del sys.modules[name]
        importlib.invalidate_caches()  # new handler files become importable too
        try:
            self.router = load(self.config)
        except ConfigError as exc:
            sys.modules.update(stale)
            print(
                f"{exc}\nreload failed; still serving the previous routes",
                file=sys.stderr,
                flush=True,
            )
            return
        print(f"reloaded {self.config}", file=sys.stderr, flush=True)


def _failed(identifier: str, index: int, message: str) -> dict[str, Any]:
    """One entry of a publish answer's 'failed' list, in AppSync's field names."""
    return {"identifier": identifier, "index": index, "errorCode": 400, "errorMessage": message}


def _route_json(route: Route) -> dict[str, Any]:
    return {
        "pattern": route.pattern.text,
        "operation": route.operation,
        "handler": route.handler.ref.text,
        "flags": list(route.flags),
        "source": str(route.source),
    }


def _status(exc: BaseException) -> int:
    if is_unauthorized(exc):
        return 403
    if isinstance(exc, InvalidRequestError):
        return 400
    return 500


def _invocation_errors(exc: BaseException) -> list[dict[str, str]]:
    """A failed Lambda invocation as AppSync reports it to the client."""
    if is_unauthorized(exc):
        return [{"errorType": "UnauthorizedException", "message": str(exc) or "Unauthorized"}]
    if isinstance(exc, InvalidRequestError):
        return [{"errorType": "BadRequestException", "message": str(exc)}]
    logger.exception("handler invocation failed")
    return [{"errorType": "InternalFailure", "message": f"{type(exc).__name__}: {exc}"}]


def serve(
    config: str,
    *,
    host: str = "127.0.0.1",
    port: int = 8080,
    api_key: str | None = None,
    keepalive_seconds: float = 60.0,
    reload: bool = True,
    tls: tuple[str, str] | None = None,
) -> None:
    """Run the endpoint until interrupted; print its URLs and API key once it listens."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    # A .pyc written now could outlive an edit made within the same second (pyc freshness is
    # checked by whole-second mtime and size), and reload would run the old code.
    sys.dont_write_bytecode = True
    server = EventServer(
        config, api_key=api_key, keepalive_seconds=keepalive_seconds, reload=reload
    )

    async def run() -> None:
        runner = web.AppRunner(server.app(), access_log=None, handle_signals=False)
        await runner.setup()
        context = server_context(Path(tls[0]), Path(tls[1])) if tls else None
        site = web.TCPSite(runner, host, port, ssl_context=context)
        await site.start()
        bound = runner.addresses[0][1] if runner.addresses else port
        shown = f"[{host}]" if ":" in host else host
        http, ws = ("https", "wss") if tls else ("http", "ws")
        print(f"HTTP publish:  {http}://{shown}:{bound}/event", flush=True)
        print(f"Realtime:      {ws}://{shown}:{bound}/event/realtime", flush=True)
        print(
            f"API key:       {api_key if api_key is not None else '(none: --no-auth)'}", flush=True
        )
        query = f"?apiKey={api_key}" if api_key else ""
        print(f"Console:       {http}://{shown}:{bound}/{query}", flush=True)
        if tls:
            print(trust_hint(Path(tls[0])), flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        if hasattr(signal, "SIGHUP"):  # reload on demand, even with --no-reload
            loop.add_signal_handler(signal.SIGHUP, server.reload)
        try:
            await stop.wait()
        finally:
            await runner.cleanup()

    asyncio.run(run())


def new_api_key() -> str:
    """A key shaped like AppSync's ('da2-' and 26 characters)."""
    return "da2-" + secrets.token_hex(13)
