"""Search latency and memory at scale: 10k, 100k and 1M chunks.

Synthetic data (the point is scale, not quality): unit vectors of the real dimension (384)
and chunk texts drawn from a Zipf-distributed vocabulary, stored through the real Store
(SQLite + FTS5) and VectorIndex (FAISS), then queried through the same calls the Retriever
makes: FAISS top-50, FTS5 BM25 top-50, and the candidate score fill-in. Each scale runs in
its own subprocess so peak RSS is per scale. The flat (exact) index is the default; HNSW is
printed beside it with the ratio.

    python bench/bench_search.py [--scales 10000 100000 1000000] [--queries 200]
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DIM = 384
VOCAB = 30000


def _texts(rng, n: int, words):
    lengths = rng.integers(60, 160, n)
    ids = rng.zipf(1.2, int(lengths.sum())) % VOCAB
    out, pos = [], 0
    for length in lengths:
        out.append(" ".join(words[i] for i in ids[pos : pos + length]))
        pos += length
    return out


def run_scale(n: int, queries: int, backend: str) -> dict:
    import numpy as np

    from ingest.chunking import Chunk
    from ingest.store import NewDocument, Store
    from ingest.vectors import VectorIndex

    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(VOCAB)]
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "bench.sqlite3")
        vectors = VectorIndex(DIM, backend)
        started = time.perf_counter()
        per_doc = 1000
        for d in range(0, n, per_doc):
            count = min(per_doc, n - d)
            texts = _texts(rng, count, words)
            vecs = rng.standard_normal((count, DIM)).astype(np.float32)
            vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
            chunks = [Chunk(id=f"{d}-{i}", ordinal=i, text=t, body=t, kind="paragraph", page_start=1, page_end=1, token_count=len(t.split()))
                      for i, t in enumerate(texts)]
            doc = NewDocument(f"/bench/doc{d}.txt", f"doc{d}.txt", "txt", str(d), 1, 0.0, None, None, None, [], 1)
            _, _, added = store.replace_document(doc, chunks, texts, vecs)
            vectors.add(added, vecs)
        build_s = time.perf_counter() - started
        qvecs = rng.standard_normal((queries, DIM)).astype(np.float32)
        qvecs /= np.linalg.norm(qvecs, axis=1, keepdims=True)
        qterms = [[words[i] for i in rng.integers(20, 3000, 6)] for _ in range(queries)]
        times = {"dense": [], "lexical": [], "fill": [], "total": []}
        for qv, terms in zip(qvecs, qterms):
            t0 = time.perf_counter()
            dense = dict(vectors.search(qv, 50))
            t1 = time.perf_counter()
            lexical = dict(store.lexical_search(terms, 50))
            t2 = time.perf_counter()
            missing = [r for r in dense if r not in lexical]
            store.lexical_search(terms, len(missing), rowids=missing)
            for r in lexical:
                if r not in dense:
                    vectors.index.reconstruct(int(r))
            store.chunks_by_rowid(list(dense)[:20])
            t3 = time.perf_counter()
            times["dense"].append(t1 - t0)
            times["lexical"].append(t2 - t1)
            times["fill"].append(t3 - t2)
            times["total"].append(t3 - t0)
        pct = lambda xs, p: sorted(xs)[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] * 1000  # noqa: E731
        db_mb = (Path(tmp) / "bench.sqlite3").stat().st_size / 1e6
    return {
        "chunks": n, "backend": backend, "build_s": round(build_s, 1), "db_mb": round(db_mb, 1),
        **{f"{k}_p50_ms": round(pct(v, 50), 2) for k, v in times.items()},
        **{f"{k}_p95_ms": round(pct(v, 95), 2) for k, v in times.items()},
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--backends", nargs="+", default=["flat", "hnsw"])
    parser.add_argument("--one", nargs=2, metavar=("N", "BACKEND"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_scale(int(args.one[0]), args.queries, args.one[1])))
        return 0
    print(f"{'chunks':>9} {'backend':>7} {'total p50':>10} {'p95':>8} {'dense p50':>10} {'bm25 p50':>9} {'peak RSS':>9} {'build':>8}")
    for n in args.scales:
        results = {}
        for backend in args.backends:
            out = subprocess.run([sys.executable, __file__, "--one", str(n), backend, "--queries", str(args.queries)],
                                 capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            results[backend] = r
            print(f"{n:>9} {backend:>7} {r['total_p50_ms']:>8.1f}ms {r['total_p95_ms']:>6.1f}ms {r['dense_p50_ms']:>8.1f}ms "
                  f"{r['lexical_p50_ms']:>7.1f}ms {r['peak_rss_mb']:>7.0f}MB {r['build_s']:>7.0f}s")
        if "flat" in results and "hnsw" in results:
            ratio = results["hnsw"]["total_p50_ms"] / results["flat"]["total_p50_ms"]
            print(f"{'':>9} hnsw/flat total p50 ratio: {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
