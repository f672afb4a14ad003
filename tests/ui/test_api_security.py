"""The HTTP API's auth: the startup check for public hosts and the API key on every endpoint."""
from __future__ import annotations

import httpx
import pytest

from ingest.settings import Settings
from tests.ui.api_server import live
from ui.api import create_app
from ui.api_security import StartupRefused, check_startup, is_loopback

KEY = "k" * 24


# ---------------------------------------------------------------- auth


def test_startup_check_refuses_public_hosts_without_a_key() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("10.1.2.3") and not is_loopback("intranet.example")
    assert check_startup("127.0.0.1", None) is None
    assert check_startup("0.0.0.0", KEY) == KEY
    with pytest.raises(StartupRefused, match="DOCQA_API_KEY"):
        check_startup("0.0.0.0", None)
    with pytest.raises(StartupRefused, match="at least"):
        check_startup("0.0.0.0", "short")


def test_serve_command_exits_1_without_a_key(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    from ui.cli import main

    monkeypatch.delenv("DOCQA_API_KEY", raising=False)
    assert main(["serve", "--host", "0.0.0.0", "--port", "1"]) == 1
    assert "DOCQA_API_KEY" in capsys.readouterr().err


def test_api_key_is_required_on_every_endpoint(settings: Settings) -> None:
    with live(create_app(settings, api_key=KEY)) as url, httpx.Client(base_url=url, timeout=60) as c:
        for method, path in [("GET", "/healthz"), ("GET", "/openapi.json"), ("GET", "/v1/documents"),
                             ("POST", "/v1/ask"), ("GET", "/nope")]:
            r = c.request(method, path)
            assert r.status_code == 401 and r.json()["error"]["type"] == "authentication_error", path
        assert c.get("/healthz", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/healthz", headers={"Authorization": f"Bearer {KEY}"}).json()["auth"] is True
        assert c.get("/healthz", headers={"X-API-Key": KEY}).status_code == 200
        spec = c.get("/openapi.json", headers={"X-API-Key": KEY}).json()
        assert set(spec["components"]["securitySchemes"]) == {"bearer", "apiKey"}

        from openai import AuthenticationError, OpenAI

        with pytest.raises(AuthenticationError):
            OpenAI(base_url=url + "/v1", api_key="wrong", max_retries=0).models.list()
        assert OpenAI(base_url=url + "/v1", api_key=KEY, max_retries=0).models.list().data
