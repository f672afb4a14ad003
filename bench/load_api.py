"""A bounded load test of a running `docqa serve`: N concurrent clients, latency percentiles, 429s.

    python bench/load_api.py [--url http://127.0.0.1:8000] [--clients 1,4,8] [--requests 2]
        [--endpoint ask|openai|sentiment] [--stream] [--json]

Each of N client threads sends ``--requests`` requests one after another (questions taken in turn
from a fixed list); all N start together. Reported per N: requests, status counts (200 / 429 /
other), latency p50 / p90 / max of the successful ones (and time to the first streamed event with
--stream), wall time and answered requests per minute. A 429 is counted, not retried: the point is
to see the queue bound at work.

Loopback only: the script refuses any other host, so it cannot be pointed at somebody else's
server by mistake; N and the request count are bounded. DOCQA_API_KEY is sent when set.
"""
from __future__ import annotations

import argparse
import ipaddress
import json
import os
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import httpx

MAX_CLIENTS = 16
MAX_TOTAL_REQUESTS = 200

QUESTIONS = (
    "What protection does Contoso offer against balance billing?",
    "Is dental coverage included in Northwind Standard?",
    "What is the deductible for Northwind Health Plus?",
    "How do I file a claim for out-of-network services?",
    "What are the company's core values?",
    "Are eye exams covered by Northwind Standard?",
    "How is performance reviewed at Contoso?",
    "What does the employee handbook say about workplace safety?",
)


@dataclass
class Result:
    status: int  # 0 = connection error / timeout
    seconds: float
    first_event_s: float | None = None
    error: str | None = None


def loopback_url(url: str) -> str:
    host = urlparse(url).hostname or ""
    try:
        ok = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        ok = False
    if not ok:
        raise SystemExit(f"load_api.py: refusing {url}: loopback hosts only (127.0.0.1, ::1, localhost)")
    return url.rstrip("/")


def request_body(endpoint: str, question: str, stream: bool) -> tuple[str, dict[str, Any]]:
    if endpoint == "ask":
        return "/v1/ask", {"question": question, "stream": stream}
    if endpoint == "openai":
        return "/v1/chat/completions", {"model": "docqa", "stream": stream,
                                        "messages": [{"role": "user", "content": question}]}
    return "/v1/sentiment", {"text": question}


def one(client: httpx.Client, endpoint: str, question: str, stream: bool) -> Result:
    path, body = request_body(endpoint, question, stream)
    started = time.perf_counter()
    try:
        if not stream:
            r = client.post(path, json=body)
            return Result(r.status_code, time.perf_counter() - started,
                          error=None if r.status_code == 200 else r.text[:200])
        first = None
        with client.stream("POST", path, json=body) as r:
            if r.status_code != 200:  # a 429 / error body is JSON, not a stream
                return Result(r.status_code, time.perf_counter() - started,
                              error=r.read().decode(errors="replace")[:200])
            for line in r.iter_lines():
                if first is None and line.startswith("data:"):
                    first = time.perf_counter() - started
            return Result(r.status_code, time.perf_counter() - started, first)
    except httpx.HTTPError as exc:
        return Result(0, time.perf_counter() - started, error=f"{type(exc).__name__}: {exc}")


def run_level(url: str, clients: int, per_client: int, endpoint: str, stream: bool, headers: dict[str, str],
              timeout_s: float) -> dict[str, Any]:
    results: list[Result] = []
    lock = threading.Lock()
    go = threading.Barrier(clients)

    def worker(i: int) -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=timeout_s) as client:
            go.wait()
            for j in range(per_client):
                r = one(client, endpoint, QUESTIONS[(i * per_client + j) % len(QUESTIONS)], stream)
                with lock:
                    results.append(r)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    ok = sorted(r.seconds for r in results if r.status == 200)
    firsts = sorted(r.first_event_s for r in results if r.status == 200 and r.first_event_s is not None)
    errors = [r.error for r in results if r.status not in (200, 429)]
    return {
        "clients": clients, "requests": len(results),
        "ok": len(ok), "429": sum(r.status == 429 for r in results), "other": len(errors),
        "p50_s": _pct(ok, 50), "p90_s": _pct(ok, 90), "max_s": round(ok[-1], 2) if ok else None,
        "first_event_p50_s": _pct(firsts, 50), "wall_s": round(wall, 1),
        "answered_per_min": round(60 * len(ok) / wall, 1) if wall else 0.0,
        "errors": errors[:3],
    }


def _pct(values: list[float], p: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 2)
    return round(statistics.quantiles(values, n=100, method="inclusive")[p - 1], 2)


def format_table(rows: list[dict[str, Any]]) -> str:
    lines = ["| N clients | requests | 200 | 429 | other | p50 s | p90 s | max s | first event p50 s | wall s | answers/min |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['clients']} | {r['requests']} | {r['ok']} | {r['429']} | {r['other']} | {r['p50_s']} | "
                     f"{r['p90_s']} | {r['max_s']} | {r['first_event_p50_s']} | {r['wall_s']} | {r['answered_per_min']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--clients", default="1,4,8", help=f"comma list of concurrency levels (each <= {MAX_CLIENTS})")
    parser.add_argument("--requests", type=int, default=2, help="requests per client per level")
    parser.add_argument("--endpoint", choices=("ask", "openai", "sentiment"), default="ask")
    parser.add_argument("--stream", action="store_true", help="stream (SSE) and time the first event too")
    parser.add_argument("--timeout", type=float, default=600.0, help="per-request timeout, seconds")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    url = loopback_url(args.url)
    levels = [int(x) for x in args.clients.split(",") if x.strip()]
    if not levels or any(n < 1 or n > MAX_CLIENTS for n in levels):
        parser.error(f"--clients: each level must be 1..{MAX_CLIENTS}")
    if args.requests < 1 or sum(levels) * args.requests > MAX_TOTAL_REQUESTS:
        parser.error(f"at most {MAX_TOTAL_REQUESTS} requests in all")
    headers = {"Authorization": f"Bearer {os.environ['DOCQA_API_KEY']}"} if os.environ.get("DOCQA_API_KEY") else {}
    health = httpx.get(url + "/healthz", headers=headers, timeout=10).json()
    print(f"server: model {health['model']['name']} ({health['model']['status']}), index "
          f"{health['index']['documents']} documents, queue bound {health['queue']['max_waiting']}", file=sys.stderr)
    rows = []
    for n in levels:
        rows.append(run_level(url, n, args.requests, args.endpoint, args.stream, headers, args.timeout))
        print(f"N={n}: {rows[-1]['ok']} ok, {rows[-1]['429']} × 429, p50 {rows[-1]['p50_s']} s", file=sys.stderr)
    if args.json:
        print(json.dumps({"url": url, "endpoint": args.endpoint, "stream": args.stream, "health": health,
                          "levels": rows}, indent=2))
        return 0
    print(format_table(rows))
    for r in rows:
        for e in r["errors"]:
            print(f"N={r['clients']} error: {e}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
