"""Who may call the API and how much they may send, and what every error looks like.

- Loopback by default. Bound to any other address the server needs an API key
  (``DOCQA_API_KEY``) and refuses to start without one: a document index is the
  organisation's data, and an open port on the intranet is not a place for it.
- The key, when set, is required on every path (the OpenAPI page included), as
  ``Authorization: Bearer <key>`` or ``X-API-Key: <key>``, compared in constant time.
- Request bodies are bounded before they are read (Content-Length, and a counting receive for
  chunked bodies).
- Every error is ``{"error": {"message", "type"}}`` (the OpenAI shape, so OpenAI clients show the
  message): HTTP errors, validation errors and unexpected exceptions alike; a traceback goes to
  the server log, never to the client.

The two middlewares are plain ASGI (not BaseHTTPMiddleware) so they do not buffer streamed
responses or hide client disconnects from the SSE endpoints.
"""
from __future__ import annotations

import hmac
import ipaddress
import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

API_KEY_ENV = "DOCQA_API_KEY"
MIN_KEY_CHARS = 16
KEY_HINT = 'e.g. export DOCQA_API_KEY="$(python -c "import secrets; print(secrets.token_urlsafe(32))")"'

_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "authentication_error",
          404: "not_found_error", 405: "invalid_request_error", 413: "request_too_large",
          422: "invalid_request_error", 429: "rate_limit_error", 503: "server_busy"}


class ApiError(Exception):
    """An error with its HTTP status, rendered as the standard JSON body."""

    def __init__(self, status: int, message: str, type_: str | None = None, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type_ or _TYPES.get(status, "server_error")
        self.headers = headers or {}


class StartupRefused(Exception):
    """The server must not start as configured; the message says why and what to do."""


def is_loopback(host: str) -> bool:
    """True only for addresses that cannot be reached from another machine. A host name other
    than ``localhost`` counts as non-loopback: it may resolve anywhere."""
    host = host.strip().strip("[]")
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_startup(host: str, api_key: str | None) -> str | None:
    """Raise StartupRefused when serving on ``host`` without a usable key would be unsafe.
    Returns the key to require (None: no key, loopback only)."""
    key = (api_key or "").strip() or None
    if is_loopback(host):
        return key
    if key is None:
        raise StartupRefused(
            f"refusing to listen on {host}: an address other than loopback needs an API key. Set {API_KEY_ENV} "
            f"({KEY_HINT}) and give it to clients as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'; "
            "or serve on 127.0.0.1 (the default) behind your own reverse proxy."
        )
    if len(key) < MIN_KEY_CHARS:
        raise StartupRefused(
            f"refusing to listen on {host}: {API_KEY_ENV} is {len(key)} characters; use at least {MIN_KEY_CHARS} "
            f"({KEY_HINT})."
        )
    return key


def error_body(message: str, type_: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_}}


def _json(status: int, message: str, type_: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(message, type_), status_code=status, headers=headers)


async def _send_json(send: Send, status: int, message: str, type_: str, headers: dict[str, str] | None = None) -> None:
    body = json.dumps(error_body(message, type_)).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def presented_key(headers: dict[bytes, bytes]) -> str | None:
    auth = headers.get(b"authorization", b"").decode("latin-1").strip()
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip()
    key = headers.get(b"x-api-key")
    return key.decode("latin-1").strip() if key else None


class ApiKeyMiddleware:
    """Every HTTP request must carry the key (when one is configured)."""

    def __init__(self, app: ASGIApp, api_key: str | None):
        self.app = app
        self.api_key = api_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.api_key:
            await self.app(scope, receive, send)
            return
        given = presented_key(dict(scope.get("headers") or []))
        if given is None or not hmac.compare_digest(given.encode(), self.api_key.encode()):
            message = "missing API key" if given is None else "invalid API key"
            await _send_json(send, 401, f"{message}: send 'Authorization: Bearer <key>' or 'X-API-Key: <key>'",
                             "authentication_error", {"WWW-Authenticate": "Bearer"})
            return
        await self.app(scope, receive, send)


class BodyLimitMiddleware:
    """Bound request bodies: ``upload_limit`` bytes for ``upload_paths``, ``json_limit`` elsewhere."""

    def __init__(self, app: ASGIApp, json_limit: int, upload_limit: int, upload_paths: tuple[str, ...]):
        self.app = app
        self.json_limit = json_limit
        self.upload_limit = upload_limit
        self.upload_paths = upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit if scope["path"] in self.upload_paths else self.json_limit
        declared = dict(scope.get("headers") or []).get(b"content-length")
        too_big = f"request body too large (limit {limit / 1024 / 1024:.1f} MB for this endpoint)"
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                await _send_json(send, 400, "invalid Content-Length", "invalid_request_error")
                return
            if size > limit:
                await _send_json(send, 413, too_big, "request_too_large")
                return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # a chunked body with no declared length
                    raise ApiError(413, too_big)
            return message

        await self.app(scope, counted, send)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return _json(exc.status, exc.message, exc.type, exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        message = exc.detail if isinstance(exc.detail, str) else json.dumps(exc.detail)
        return _json(exc.status_code, message, _TYPES.get(exc.status_code, "server_error"), exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        # loc + msg only: "input" may echo a megabyte of text back and "ctx" may not be JSON.
        problems = []
        for err in exc.errors()[:10]:
            where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body",)) or "body"
            problems.append(f"{where}: {err.get('msg', 'invalid')}")
        return _json(422, "invalid request: " + "; ".join(problems), "invalid_request_error")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
        return _json(500, f"internal error ({type(exc).__name__}); the server log has the details", "server_error")


def add_security_to_openapi(app: FastAPI) -> None:
    """Describe the key in the OpenAPI document (the middleware enforces it on every path)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        schema.setdefault("components", {})["securitySchemes"] = {
            "bearer": {"type": "http", "scheme": "bearer", "description": f"the server's {API_KEY_ENV}"},
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
        }
        schema["security"] = [{"bearer": []}, {"apiKey": []}]
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
