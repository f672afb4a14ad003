import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ingest.index import DB_NAME, IndexReader, writer_lock
from ingest.pipeline import ingest, remove_document
from ingest.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def by_name(report):
    return {Path(f.path).name: f for f in report.files}


def test_batch_indexes_good_files_and_reports_bad_ones(corpus, settings):
    report = ingest([corpus["txt"].parent], settings)
    files = by_name(report)
    assert {n: f.status for n, f in files.items()} == {
        "leave.txt": "indexed", "faq.md": "indexed", "security.docx": "indexed", "rates.xlsx": "indexed",
        "broken.pdf": "failed", "scan.png": "skipped",
    }
    assert "corrupt" in files["broken.pdf"].reason or "PDF" in files["broken.pdf"].reason
    assert files["scan.png"].reason.startswith("unsupported format (.png)")
    assert report.exit_code == 2
    assert report.semantic
    reader = IndexReader(settings.index_dir)
    docs = {Path(d.path).name: d for d in reader.store.documents()}
    assert docs["broken.pdf"].status == "failed" and docs["broken.pdf"].error
    assert reader.vectors is not None and len(reader.vectors) == reader.store.chunk_count()
    # provenance survives the round trip
    rows = [c for d in docs.values() if d.name == "rates.xlsx" for c in reader.store.chunks_of(d.id)]
    assert rows[0].sheet == "Mileage" and rows[0].row_start == 2 and rows[0].row_end == 3
    md = [c for c in reader.store.chunks_of(docs["faq.md"].id)]
    assert any(c.section and "第三章 休假" in c.section for c in md)


def test_rerun_is_unchanged_changed_file_replaced_and_prune(corpus, settings):
    ingest([corpus["txt"].parent], settings)
    again = ingest([corpus["txt"].parent], settings)
    statuses = {n: f.status for n, f in by_name(again).items()}
    assert statuses["leave.txt"] == statuses["faq.md"] == "unchanged"
    assert statuses["broken.pdf"] == "failed"  # remembered, not re-parsed
    corpus["txt"].write_text("Annual leave is now 30 days per year.", encoding="utf-8")
    corpus["md"].unlink()
    third = ingest([corpus["txt"].parent], settings, prune=True)
    statuses = {n: f.status for n, f in by_name(third).items()}
    assert statuses["leave.txt"] == "indexed"
    assert statuses["faq.md"] == "removed"
    reader = IndexReader(settings.index_dir)
    texts = " ".join(c.body for d in reader.store.documents() for c in reader.store.chunks_of(d.id))
    assert "30 days" in texts and "25 days" not in texts and "年假" not in texts
    assert len(reader.vectors) == reader.store.chunk_count()


def test_an_index_chunked_by_an_earlier_version_says_rebuild_applies_the_new_chunking(corpus, settings):
    ingest([corpus["txt"]], settings)
    assert not any("--rebuild" in n for n in ingest([corpus["txt"]], settings).notes)
    with sqlite3.connect(settings.index_dir / DB_NAME) as db:  # as an index written before the field
        db.execute("DELETE FROM meta WHERE key = 'chunker'")
    notes = ingest([corpus["txt"]], settings).notes
    assert any("earlier docqa" in n and "--rebuild" in n for n in notes)
    rebuilt = ingest([corpus["txt"]], settings, rebuild=True)
    assert not any("earlier docqa" in n for n in rebuilt.notes)


def test_an_index_keeps_its_chunk_context_until_a_rebuild_applies_another(corpus, settings):
    ingest([corpus["txt"]], settings)  # default: document name and section path before each body
    reader = IndexReader(settings.index_dir)
    doc = next(iter(reader.store.documents()))
    before = reader.store.chunks_of(doc.id)
    assert all(c.text != c.body for c in before)
    bare = settings.replace(chunk_context="none")
    notes = ingest([corpus["txt"]], bare).notes
    assert any("context 'section'" in n and "--rebuild" in n and "'none'" in n for n in notes)
    ingest([corpus["txt"]], bare, rebuild=True)
    reader = IndexReader(settings.index_dir)
    doc = next(iter(reader.store.documents()))
    after = reader.store.chunks_of(doc.id)
    assert after and all(c.text == c.body for c in after)
    assert not any("--rebuild" in n for n in ingest([corpus["txt"]], bare).notes)


def test_broken_new_version_keeps_old_chunks(corpus, settings):
    ingest([corpus["docx"]], settings)
    corpus["docx"].write_bytes(b"not a zip at all")
    report = ingest([corpus["docx"]], settings)
    assert report.files[0].status == "failed"
    reader = IndexReader(settings.index_dir)
    (doc,) = reader.store.documents()
    assert doc.status == "indexed" and "latest version not indexed" in doc.error
    assert reader.store.chunk_count() > 0


def test_remove_document(corpus, settings):
    ingest([corpus["txt"], corpus["md"]], settings)
    n = remove_document(corpus["md"], settings)
    assert n > 0
    reader = IndexReader(settings.index_dir)
    assert [Path(d.path).name for d in reader.store.documents()] == ["leave.txt"]
    assert len(reader.vectors) == reader.store.chunk_count()


def test_without_embedding_model_builds_keyword_index_then_rebuild_adds_vectors(corpus, settings, tiny_embedder_dir):
    offline = settings.replace(embed_model=str(settings.models_dir / "missing-model"))
    report = ingest([corpus["txt"], corpus["md"]], offline)
    assert not report.semantic
    assert any("docqa download" in n for n in report.notes)
    reader = IndexReader(settings.index_dir)
    assert reader.vectors is None and reader.manifest.embed_model_name is None
    from ingest.lexical import query_terms

    assert reader.store.lexical_search(query_terms("annual leave"), 5)
    rebuilt = ingest([], settings, rebuild=True)
    assert rebuilt.semantic
    assert {Path(f.path).name for f in rebuilt.files if f.status == "indexed"} == {"leave.txt", "faq.md"}
    reader = IndexReader(settings.index_dir)
    assert reader.manifest.embed_dim == 64 and len(reader.vectors) == reader.store.chunk_count()


def test_file_too_large_is_reported(corpus, settings):
    small = settings.replace(max_file_mb=0.00001)
    (report_file,) = ingest([corpus["txt"]], small).files
    assert report_file.status == "failed" and report_file.reason.startswith("file too large")


def _consistent(index_dir: Path) -> int:
    """The index opens and every document's chunks, FTS rows and vectors agree."""
    reader = IndexReader(index_dir)
    conn = reader.store.conn
    for doc in reader.store.documents():
        n = conn.execute("SELECT COUNT(*) FROM chunks WHERE doc_id=?", (doc.id,)).fetchone()[0]
        assert n == doc.chunk_count
    assert conn.execute("SELECT COUNT(*) FROM chunks_fts").fetchone()[0] == reader.store.chunk_count()
    assert len(reader.vectors) == reader.store.chunk_count()
    return len([d for d in reader.store.documents() if d.status == "indexed"])


def _ingest_cmd(folder: Path, index: Path) -> list[str]:
    return [sys.executable, "-m", "ingest", "ingest", str(folder), "--index", str(index), "--json"]


def _env(settings: Settings) -> dict[str, str]:
    return {**os.environ, "DOCQA_EMBED_MODEL": settings.embed_model, "DOCQA_MODELS": str(settings.models_dir),
            "DOCQA_CHUNK_TOKENS": "120", "PYTHONPATH": str(REPO)}


@pytest.mark.slow
def test_writer_killed_mid_batch_leaves_a_readable_index(tmp_path, settings):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(40):
        (folder / f"doc{i:02d}.txt").write_text(
            "\n\n".join(f"Policy {i} paragraph {j}: staff may claim item {j} within {i + j} days." for j in range(30)),
            encoding="utf-8",
        )
    db = settings.index_dir / DB_NAME
    proc = subprocess.Popen(_ingest_cmd(folder, settings.index_dir), env=_env(settings), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.time() + 120
    indexed = 0
    while time.time() < deadline and proc.poll() is None:
        try:
            with sqlite3.connect(db) as conn:
                indexed = conn.execute("SELECT COUNT(*) FROM documents WHERE status='indexed'").fetchone()[0]
        except sqlite3.Error:
            indexed = 0
        if indexed >= 3:
            break
        time.sleep(0.05)
    assert proc.poll() is None, "ingest finished before it could be killed; make the corpus bigger"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 3 <= _consistent(settings.index_dir) < 40
    finished = subprocess.run(_ingest_cmd(folder, settings.index_dir), env=_env(settings), capture_output=True, text=True,
                              timeout=300)
    assert finished.returncode == 0, finished.stderr
    statuses = [f["status"] for f in json.loads(finished.stdout)["files"]]
    assert statuses.count("unchanged") >= 3 and set(statuses) <= {"indexed", "unchanged"}
    assert _consistent(settings.index_dir) == 40


@pytest.mark.slow
def test_lock_serialises_writers(corpus, settings):
    lock = writer_lock(settings.index_dir)
    with lock:
        proc = subprocess.Popen(_ingest_cmd(corpus["txt"].parent, settings.index_dir), env=_env(settings),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(8)  # long enough for the second writer to start, import and reach the lock
        assert proc.poll() is None
        assert not (settings.index_dir / DB_NAME).exists()  # it waited, writing nothing
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 2, err  # the broken and unsupported files, reported
    assert json.loads(out)["totals"]["indexed"] == 4


def test_legacy_excel_csv_html_slide_legacy_word_and_scanned_files_are_indexed_with_their_places(tmp_path, settings):
    from tests.ingest.parsers.xls_samples import save_xls

    docs = tmp_path / "tables"
    docs.mkdir()
    save_xls(docs / "rates.xls", "Per diem", [["City", "Meals"], ["London", 85]])
    (docs / "lodging.csv").write_text("City,Cap\nLondon,300\nParis,250\n", encoding="utf-8")
    (docs / "policy.html").write_text("<h1>Travel</h1><h2>Meals</h2><p>Meals are paid at cost.</p>", encoding="utf-8")
    from pptx import Presentation

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Taxis"
    slide.placeholders[1].text_frame.text = "Taxis are refunded after 22:00."
    deck.save(docs / "briefing.pptx")
    shutil.copy(Path(__file__).parent / "parsers" / "doc_files" / "policy.doc", docs / "travel.doc")
    from tests.ingest.parsers.pdf_samples import scan_pdf

    scan_pdf(docs / "signed.pdf", [["# Notice", "Meals are reimbursed up to 85 dollars per day."]])
    report = ingest([docs], settings)
    assert {n: f.status for n, f in by_name(report).items()} == {
        "rates.xls": "indexed", "lodging.csv": "indexed", "policy.html": "indexed", "briefing.pptx": "indexed",
        "travel.doc": "indexed", "signed.pdf": "indexed"}
    reader = IndexReader(settings.index_dir)
    chunks = {Path(d.path).name: reader.store.chunks_of(d.id) for d in reader.store.documents()}
    xls = chunks["rates.xls"][0]
    assert (xls.sheet, xls.row_start, xls.row_end) == ("Per diem", 2, 2) and "City: London; Meals: 85" in xls.body
    csv = chunks["lodging.csv"][0]
    assert (csv.sheet, csv.row_start, csv.row_end) == (None, 2, 3) and "City: Paris; Cap: 250" in csv.body
    html = chunks["policy.html"][0]
    assert html.section == "Travel > Meals" and "Meals are paid at cost." in html.body
    pptx = chunks["briefing.pptx"][0]
    assert (pptx.page_start, pptx.section) == (1, "Taxis") and "refunded after 22:00" in pptx.body
    doc = next(c for c in chunks["travel.doc"] if "职级: 员工" in c.body)
    assert doc.section == "第一章 总则 > 第二节 住宿标准" and "城市级别: 一类城市; 职级: 员工; 住宿上限（元/晚）: 600" in doc.body
    scan = chunks["signed.pdf"][0]  # read by OCR in the parse child, under its memory bound
    assert scan.page_start == 1 and "85 dollars" in scan.body
