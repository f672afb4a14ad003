"""The HTTP API (ui/api.py) against a live uvicorn on a free loopback port, with the tiny random
Qwen2 and the tiny embedder (tests/conftest.py): every endpoint, SSE order, uploads, errors, the
official openai client and bench/load_api.py. No downloads. Auth and the generation queue have
their own files.

A live server rather than an in-process transport: streaming, client disconnects and the openai
client's own HTTP stack are exactly what these tests are about.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ingest.settings import Settings
from tests.fixture_docs import write_corpus
from tests.ui.api_server import QUESTION, live, sse_events
from ui.api import create_app
from ui.api_models import AskResponse, CitationOut
from ui.api_runtime import Runtime


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


def test_the_citation_model_describes_every_key_of_a_citation(settings) -> None:
    from rag.answer import Answerer

    answer = Answerer(settings, use_llm=False).answer(QUESTION)  # extracted sentences: always cited
    citations = answer.to_json()["citations"]
    assert citations
    for citation in citations:
        assert set(citation) == set(CitationOut.model_fields)
        CitationOut.model_validate(citation)


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
