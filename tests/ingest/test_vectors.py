import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ingest.vectors import VectorIndex


@pytest.mark.parametrize("backend", ["flat", "hnsw"])
def test_search_finds_the_nearest_and_honours_the_filter(backend):
    index = VectorIndex(4, backend)
    index.add([10, 20, 30], np.eye(4, dtype=np.float32)[:3])
    query = np.array([0.9, 0.1, 0.0, 0.0], dtype=np.float32)
    assert [rowid for rowid, _ in index.search(query, 2)] == [10, 20]
    assert [rowid for rowid, _ in index.search(query, 2, allowed={20, 30})] == [20, 30]


def test_searching_leaves_torch_on_all_its_threads():
    # FAISS and torch share one OpenMP runtime: the one-thread setting for searches used to stay
    # behind and put the embedder and the chat model on a single core. A fresh interpreter, as
    # in `docqa ingest`: how the runtime reacts depends on what the process did before.
    pytest.importorskip("torch")
    script = (
        "import numpy as np, torch\n"
        "torch.set_num_threads(2)\n"
        "assert torch.get_num_threads() == 2\n"
        "from ingest.vectors import VectorIndex\n"
        "index = VectorIndex(4)\n"
        "index.add([1, 2], np.eye(4, dtype=np.float32)[:2])\n"
        "assert index.search(np.eye(4, dtype=np.float32)[1], 1)[0][0] == 2\n"
        "print(torch.get_num_threads())\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["2"]
