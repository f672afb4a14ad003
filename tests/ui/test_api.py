"""The HTTP API (ui/api.py) against a live uvicorn on a free loopback port, with the tiny random
Qwen2 and the tiny embedder (tests/conftest.py): every endpoint, SSE order, uploads, auth, the
generation queue (429), disconnects, and the official openai client. No downloads.

A live server rather than an in-process transport: streaming, client disconnects and the openai
client's own HTTP stack are exactly what these tests are about.
"""
from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from ingest.pipeline import ingest
from ingest.settings import Settings
from rag.answer import AnswerEvent
from tests.fixture_docs import write_corpus
from ui.api import create_app
from ui.api_models import AskResponse
from ui.api_runtime import ApiLimits, Runtime
from ui.api_security import StartupRefused, check_startup, is_loopback

KEY = "k" * 24
QUESTION = "How many days of annual leave per year?"


@contextlib.contextmanager
def live(app: Any) -> Iterator[str]:
    """Serve ``app`` on a free loopback port in a thread; yields the base URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def sse_events(response: httpx.Response) -> Iterator[tuple[str, str]]:
    """(event, data) pairs of a text/event-stream response, as they arrive."""
    event, data = "message", []
    for line in response.iter_lines():
        if line.startswith(":"):
            continue
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory, tiny_embedder_dir: Path, tiny_qwen_dir: Path) -> Settings:
    base = tmp_path_factory.mktemp("api")
    corpus = write_corpus(base / "docs")
    s = Settings(
        index_dir=base / "index", uploads_dir=base / "uploads", models_dir=base / "models",
        embed_model=str(tiny_embedder_dir), llm=str(tiny_qwen_dir), threads=1,
        chunk_tokens=120, chunk_overlap_tokens=20, parse_timeout_s=60,
        refusal_threshold=-1.0,  # random embeddings: let every question through to the model
        max_new_tokens=8, generation_timeout_s=30,
    )
    report = ingest([corpus["txt"], corpus["md"]], s)
    assert [f.status for f in report.files] == ["indexed", "indexed"]
    return s


@pytest.fixture(scope="module")
def base_url(settings: Settings) -> Iterator[str]:
    with live(create_app(settings)) as url:
        yield url


@pytest.fixture
def client(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60) as c:
        yield c


# ---------------------------------------------------------------- answers


def test_ask_returns_the_docqa_ask_json(client: httpx.Client) -> None:
    r = client.post("/v1/ask", json={"question": QUESTION, "k": 3})
    assert r.status_code == 200, r.text
    body = r.json()
    assert set(body) == set(AskResponse.model_fields)  # the OpenAPI model describes every key
    AskResponse.model_validate(body)
    assert body["passages"] and body["passages"][0]["doc"].endswith(("leave.txt", "faq.md"))
    # the tiny model writes random text: an empty or marker-only reply falls back to extracted
    # sentences (the model is still named), a reply with words is checked and cited
    assert body["model"] is not None and body["mode"] in ("llm", "extractive", "refusal")
    assert body["timings"]["total_s"] >= body["timings"]["retrieve_s"]


def test_ask_stream_sends_tokens_then_sources_then_done(client: httpx.Client) -> None:
    with client.stream("POST", "/v1/ask", json={"question": QUESTION, "stream": True}) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        events = list(sse_events(r))
    kinds = [e for e, _ in events]
    assert kinds[-2:] == ["sources", "done"] and kinds.count("sources") == 1
    assert kinds[:-2] and set(kinds[:-2]) == {"token"}, kinds  # the tiny model always writes something
    assert all(isinstance(json.loads(d)["text"], str) for e, d in events if e == "token")
    sources = json.loads(events[-2][1])
    assert set(sources) == set(AskResponse.model_fields)  # citations, passages, timings, refused, answer ...
    AskResponse.model_validate(sources)


def test_ask_validation_errors_are_json(client: httpx.Client) -> None:
    r = client.post("/v1/ask", json={"question": "x" * 2001})
    assert r.status_code == 422
    assert r.json()["error"]["type"] == "invalid_request_error" and "question" in r.json()["error"]["message"]
    r = client.post("/v1/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422 and "error" in r.json()
    r = client.post("/v1/ask", json={"question": "hi", "k": 500})
    assert r.status_code == 422


def test_unknown_path_and_method_are_json(client: httpx.Client) -> None:
    assert client.get("/nope").json()["error"]["type"] == "not_found_error"
    r = client.get("/v1/ask")
    assert r.status_code == 405 and "error" in r.json()


def test_body_size_is_bounded(client: httpx.Client) -> None:
    r = client.post("/v1/ask", content=b"{" + b" " * (2 << 20) + b"}", headers={"content-type": "application/json"})
    assert r.status_code == 413
    assert r.json()["error"]["type"] == "request_too_large"


def test_plain_chat_is_marked_not_grounded(client: httpx.Client) -> None:
    r = client.post("/v1/chat", json={"messages": [{"role": "user", "content": "你好，今天天气怎么样？"}]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["grounded"] is False and body["lang"] == "zh" and "文档" in body["notice"]
    with client.stream("POST", "/v1/chat", json={"messages": [{"role": "user", "content": "hello"}], "stream": True}) as r:
        kinds = [e for e, _ in sse_events(r)]
    assert kinds[-2:] == ["reply", "done"] and set(kinds[:-2]) <= {"token"}
    r = client.post("/v1/chat", json={"messages": [{"role": "assistant", "content": "hi"}]})
    assert r.status_code == 400 and "user" in r.json()["error"]["message"]


def test_sentiment_returns_a_valid_label(client: httpx.Client) -> None:
    for text in ("The new expense app is great!", "报销拖了三个星期，太差劲了。"):
        r = client.post("/v1/sentiment", json={"text": text})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["label"] in ("positive", "negative", "neutral")
        assert 1 / 3 <= body["score"] <= 1 and abs(sum(body["scores"].values()) - 1) < 1e-3
    assert client.post("/v1/sentiment", json={"text": ""}).status_code == 422


def test_healthz_reports_model_index_and_queue(client: httpx.Client) -> None:
    client.post("/v1/sentiment", json={"text": "ok"})  # the model is loaded by now
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["auth"] is False
    assert body["model"]["status"] == "loaded" and body["model"]["dtype"]
    assert body["index"]["status"] == "ready" and body["index"]["documents"] == 2 and body["index"]["chunks"] > 0
    assert body["queue"] == {"running": 0, "waiting": 0, "max_waiting": 4}


def test_openapi_describes_every_endpoint(client: httpx.Client) -> None:
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path, method in [("/v1/ask", "post"), ("/v1/chat/completions", "post"), ("/v1/documents", "post"),
                         ("/v1/documents", "get"), ("/v1/documents/{doc_id}", "delete"), ("/healthz", "get"),
                         ("/v1/sentiment", "post"), ("/v1/chat", "post"), ("/v1/models", "get")]:
        assert method in paths[path], (path, method)
    ask = paths["/v1/ask"]["post"]
    assert "text/event-stream" in ask["responses"]["200"]["content"]
    assert ask["responses"]["429"]["content"]["application/json"]["schema"]["$ref"].endswith("ErrorResponse")
    assert "AskResponse" in spec["components"]["schemas"]


# ---------------------------------------------------------------- OpenAI compatibility


def test_openai_client_non_streamed_and_streamed(base_url: str) -> None:
    from openai import OpenAI

    oc = OpenAI(base_url=base_url + "/v1", api_key="unused", max_retries=0)
    resp = oc.chat.completions.create(model="docqa", messages=[
        {"role": "system", "content": "ignored"}, {"role": "user", "content": QUESTION}])
    assert resp.object == "chat.completion" and isinstance(resp.choices[0].message.content, str)
    assert resp.choices[0].message.content
    assert isinstance(resp.model_extra["citations"], list) and resp.model_extra["grounded"] is True
    assert resp.usage.prompt_tokens > 0

    chunks = list(oc.chat.completions.create(model="docqa", messages=[{"role": "user", "content": QUESTION}],
                                             stream=True, stream_options={"include_usage": True}))
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text
    last = [c for c in chunks if c.choices][-1]
    assert last.choices[0].finish_reason in ("stop", "length")
    assert "citations" in last.model_extra and "answer" in last.model_extra
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens > 0

    plain = oc.chat.completions.create(model="docqa-chat", messages=[{"role": "user", "content": "hello"}])
    assert plain.model == "docqa-chat" and plain.model_extra["grounded"] is False and plain.model_extra["notice"]
    assert [m.id for m in oc.models.list()] == ["docqa", "docqa-chat"]


def test_openai_errors_have_the_openai_shape(base_url: str) -> None:
    from openai import BadRequestError, OpenAI

    oc = OpenAI(base_url=base_url + "/v1", api_key="unused", max_retries=0)
    with pytest.raises(BadRequestError) as info:
        oc.chat.completions.create(model="docqa", messages=[{"role": "assistant", "content": "no question"}])
    assert "user message" in str(info.value)


# ---------------------------------------------------------------- documents


def test_upload_list_and_delete(tmp_path: Path, tiny_embedder_dir: Path) -> None:
    s = Settings(index_dir=tmp_path / "index", uploads_dir=tmp_path / "uploads", models_dir=tmp_path / "models",
                 embed_model=str(tiny_embedder_dir), chunk_tokens=120, chunk_overlap_tokens=20, parse_timeout_s=60)
    corpus = write_corpus(tmp_path / "docs")
    files = [("files", (p.name, p.read_bytes())) for p in (corpus["txt"], corpus["broken"], corpus["unsupported"])]
    with live(create_app(s, use_llm=False)) as url, httpx.Client(base_url=url, timeout=120) as c:
        assert c.get("/healthz").json()["index"]["status"] == "missing"
        assert c.get("/v1/documents").json() == {"documents": [], "embed_model": None}
        r = c.post("/v1/ask", json={"question": QUESTION})
        assert r.status_code == 503 and r.json()["error"]["type"] == "index_unavailable"

        r = c.post("/v1/documents", files=files)
        assert r.status_code == 200, r.text
        report = {f["name"]: f for f in r.json()["files"]}
        assert report["leave.txt"]["status"] == "indexed" and report["leave.txt"]["chunks"] > 0
        assert report["leave.txt"]["document_id"] is not None
        assert report["broken.pdf"]["status"] == "failed" and report["broken.pdf"]["reason"]
        assert report["scan.png"]["status"] == "rejected" and "unsupported" in report["scan.png"]["reason"]
        assert r.json()["ingest"]["totals"]["indexed"] == 1

        again = c.post("/v1/documents", files=files[:1]).json()["files"][0]
        assert again["upload"] == "duplicate" and again["status"] == "unchanged"

        docs = {d["name"]: d for d in c.get("/v1/documents").json()["documents"]}
        assert docs["leave.txt"]["status"] == "indexed" and docs["broken.pdf"]["status"] == "failed"
        ask = c.post("/v1/ask", json={"question": QUESTION}).json()  # now answerable (extracted, no model)
        assert ask["passages"] and ask["passages"][0]["doc"].endswith("leave.txt")

        doc_id = docs["leave.txt"]["id"]
        r = c.delete(f"/v1/documents/{doc_id}")
        assert r.status_code == 200 and r.json()["file_deleted"] is True and r.json()["chunks_removed"] > 0
        assert not Path(docs["leave.txt"]["path"]).exists()
        assert c.delete(f"/v1/documents/{doc_id}").status_code == 404
        assert "leave.txt" not in {d["name"] for d in c.get("/v1/documents").json()["documents"]}


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


# ---------------------------------------------------------------- the queue and cancellation


class BlockingAnswerer:
    """Stands in for rag.answer.Answerer: yields one token, then waits for ``release`` (or for the
    cancel Event the API passes in), then the answer; records whether it was cancelled."""

    def __init__(self, real: Any):
        self.real = real
        self.release = threading.Event()
        self.cancelled: list[bool] = []

    def stream(self, question: str, history: Any = None, k: Any = None, docs: Any = None,
               cancel: threading.Event | None = None, max_new_tokens: Any = None) -> Iterator[AnswerEvent]:
        assert cancel is not None
        yield AnswerEvent("token", "thinking")
        while not (self.release.is_set() or cancel.is_set()):
            time.sleep(0.01)
        self.cancelled.append(cancel.is_set() and not self.release.is_set())
        yield AnswerEvent("answer", answer=self.real.answer(question))


@pytest.fixture
def blocking(settings: Settings) -> Iterator[tuple[str, BlockingAnswerer, Runtime]]:
    from rag.answer import Answerer

    stub = BlockingAnswerer(Answerer(settings, use_llm=False))
    runtime = Runtime(settings, use_llm=False, limits=ApiLimits(max_waiting=2), answerer=stub)  # type: ignore[arg-type]
    with live(create_app(settings, runtime=runtime)) as url:
        yield url, stub, runtime
    stub.release.set()


def _wait_until(condition: Any, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_queue_overflow_gives_429_with_retry_after(blocking: tuple[str, BlockingAnswerer, Runtime]) -> None:
    url, stub, runtime = blocking
    results: list[int] = []

    def ask() -> None:
        with httpx.Client(base_url=url, timeout=60) as c:
            results.append(c.post("/v1/ask", json={"question": QUESTION}).status_code)

    with httpx.Client(base_url=url, timeout=60) as c:
        with c.stream("POST", "/v1/ask", json={"question": QUESTION, "stream": True}) as running:
            assert running.status_code == 200  # headers arrive once it runs
            waiters = [threading.Thread(target=ask) for _ in range(2)]
            for t in waiters:
                t.start()
            _wait_until(lambda: runtime.gate.waiting == 2)
            health = c.get("/healthz").json()["queue"]
            assert health == {"running": 1, "waiting": 2, "max_waiting": 2}
            r = c.post("/v1/ask", json={"question": QUESTION})
            assert r.status_code == 429
            assert r.json()["error"]["type"] == "rate_limit_error" and int(r.headers["Retry-After"]) >= 1
            r = c.post("/v1/ask", json={"question": QUESTION, "stream": True})
            assert r.status_code == 429  # a stream is refused with a status, before it starts
            stub.release.set()
            kinds = [e for e, _ in sse_events(running)]
        assert kinds == ["token", "sources", "done"]
    for t in waiters:
        t.join(30)
    assert results == [200, 200]
    assert runtime.gate.waiting == 0 and runtime.gate.running == 0


def test_client_disconnect_cancels_generation(blocking: tuple[str, BlockingAnswerer, Runtime]) -> None:
    url, stub, runtime = blocking
    with httpx.Client(base_url=url, timeout=60) as c:
        with c.stream("POST", "/v1/ask", json={"question": QUESTION, "stream": True}) as r:
            first = next(sse_events(r))
            assert first[0] == "token"
        # the response is closed here without reading the rest: the server must notice and cancel
        _wait_until(lambda: stub.cancelled == [True])
        _wait_until(lambda: runtime.gate.running == 0)
        stub.release.set()
        assert c.post("/v1/ask", json={"question": QUESTION}).status_code == 200  # the slot is free again


# ---------------------------------------------------------------- failures


def test_unexpected_errors_are_json_without_traceback(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    runtime = Runtime(settings)
    monkeypatch.setattr(runtime, "health", lambda auth: 1 / 0)
    with live(create_app(settings, runtime=runtime)) as url, httpx.Client(base_url=url) as c:
        r = c.get("/healthz")
    assert r.status_code == 500
    assert r.json() == {"error": {"message": "internal error (ZeroDivisionError); the server log has the details",
                                  "type": "server_error"}}
    assert "Traceback" not in r.text


def test_modelscope_without_the_package_is_a_clear_model_error(settings: Settings,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "modelscope", None)  # not installed, whatever this machine has
    s = settings.replace(llm="modelscope:qwen/Qwen2.5-0.5B-Instruct")
    with live(create_app(s)) as url, httpx.Client(base_url=url, timeout=60) as c:
        r = c.post("/v1/sentiment", json={"text": "great"})
        assert r.status_code == 503 and r.json()["error"]["type"] == "model_unavailable"
        model = c.get("/healthz").json()["model"]
        assert model["status"] == "error" and "pip install modelscope" in model["error"]
        ask = c.post("/v1/ask", json={"question": QUESTION}).json()  # answers still come, extracted
        assert ask["mode"] in ("extractive", "refusal") and any("modelscope" in n for n in ask["notes"])


# ---------------------------------------------------------------- bench/load_api.py


def test_load_script_is_loopback_only_and_reports(base_url: str, capsys: pytest.CaptureFixture,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("load_api", Path(__file__).parents[2] / "bench" / "load_api.py")
    assert spec is not None and spec.loader is not None
    load_api = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "load_api", load_api)  # dataclasses look their module up there
    spec.loader.exec_module(load_api)
    with pytest.raises(SystemExit, match="loopback"):
        load_api.loopback_url("http://10.0.0.5:8000")
    assert load_api.main(["--url", base_url, "--clients", "1,2", "--requests", "1", "--endpoint", "sentiment",
                          "--json"]) == 0
    levels = json.loads(capsys.readouterr().out)["levels"]
    assert [(r["clients"], r["requests"], r["ok"]) for r in levels] == [(1, 1, 1), (2, 2, 2)]
    assert levels[1]["p50_s"] is not None
    assert load_api.main(["--url", base_url, "--clients", "1", "--requests", "1", "--endpoint", "ask", "--stream"]) == 0
    table = capsys.readouterr().out
    assert table.startswith("| N clients |") and "| 1 | 1 | 1 | 0 | 0 |" in table
