"""SQLite: documents, chunks (with their vectors) and the FTS5 lexical index, in one file.

Everything a document contributes is written in ONE transaction, so a writer killed at any
moment leaves the previous state intact (SQLite's journal guarantees it) and readers, in WAL
mode, never see a half-added document. FTS5 is SQLite's own full-text engine with Okapi
BM25 ranking; being in the same transaction as the chunks is why we use it rather than an
in-memory BM25 library that would have to be rebuilt and kept in step by hand.
"""
from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from ingest.chunking import Chunk

# Numbered migrations (simonw/llm style): index i holds the SQL that brings version i to i+1.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY,
        path TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        kind TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        size INTEGER NOT NULL,
        mtime REAL NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('indexed', 'failed')),
        error TEXT,
        warnings TEXT NOT NULL DEFAULT '[]',
        title TEXT,
        pages INTEGER,
        rows INTEGER,
        chunk_count INTEGER NOT NULL DEFAULT 0,
        parser_version INTEGER NOT NULL DEFAULT 1,
        indexed_at TEXT NOT NULL
    );
    CREATE TABLE chunks (
        rowid INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        doc_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
        ordinal INTEGER NOT NULL,
        kind TEXT NOT NULL,
        text TEXT NOT NULL,
        body TEXT NOT NULL,
        page_start INTEGER, page_end INTEGER,
        section TEXT, sheet TEXT,
        row_start INTEGER, row_end INTEGER,
        token_count INTEGER NOT NULL,
        lexical TEXT NOT NULL,
        embedding BLOB
    );
    CREATE INDEX chunks_doc ON chunks(doc_id, ordinal);
    CREATE VIRTUAL TABLE chunks_fts USING fts5(
        lexical, content='chunks', content_rowid='rowid', tokenize='porter unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER chunks_ai AFTER INSERT ON chunks BEGIN
        INSERT INTO chunks_fts(rowid, lexical) VALUES (new.rowid, new.lexical);
    END;
    CREATE TRIGGER chunks_ad AFTER DELETE ON chunks BEGIN
        INSERT INTO chunks_fts(chunks_fts, rowid, lexical) VALUES ('delete', old.rowid, old.lexical);
    END;
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass(frozen=True)
class DocumentRecord:
    id: int
    path: str
    name: str
    kind: str
    content_hash: str
    size: int
    mtime: float
    status: str
    error: str | None
    warnings: list[str]
    title: str | None
    pages: int | None
    rows: int | None
    chunk_count: int
    parser_version: int
    indexed_at: str


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as read back from the index, with its document's path and title."""

    rowid: int
    id: str
    doc_id: int
    doc_path: str
    doc_title: str | None
    ordinal: int
    kind: str
    text: str
    body: str
    page_start: int | None
    page_end: int | None
    section: str | None
    sheet: str | None
    row_start: int | None
    row_end: int | None
    token_count: int


@dataclass(frozen=True)
class NewDocument:
    """What the pipeline hands the store to (re)place one document atomically."""

    path: str
    name: str
    kind: str
    content_hash: str
    size: int
    mtime: float
    title: str | None
    pages: int | None
    rows: int | None
    warnings: list[str]
    parser_version: int


class Store:
    def __init__(self, path: Path, readonly: bool = False):
        self.path = path
        # check_same_thread=False: the page and the API share one reader across threads;
        # sqlite3 serialises calls on a connection itself.
        self.conn = sqlite3.connect(path, check_same_thread=False, timeout=30)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("PRAGMA foreign_keys=ON")
        if readonly:
            self.conn.execute("PRAGMA query_only=ON")
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
            if version != SCHEMA_VERSION:
                raise RuntimeError(
                    f"index schema version {version}, this docqa reads {SCHEMA_VERSION}: re-index with --rebuild"
                )
        else:
            # WAL: readers keep reading the last committed state while a writer works.
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self._migrate()

    def close(self) -> None:
        self.conn.close()

    # -- schema ---------------------------------------------------------------------------
    def _migrate(self) -> None:
        version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise RuntimeError(
                f"index schema version {version} is newer than this docqa ({SCHEMA_VERSION}); upgrade docqa"
            )
        for i in range(version, SCHEMA_VERSION):
            with self.conn:
                self.conn.executescript("BEGIN;" + MIGRATIONS[i] + f"PRAGMA user_version={i + 1};COMMIT;")

    # -- meta -----------------------------------------------------------------------------
    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def meta(self) -> dict[str, str]:
        return {r[0]: r[1] for r in self.conn.execute("SELECT key, value FROM meta")}

    def set_meta(self, values: dict[str, str]) -> None:
        with self.conn:
            self.conn.executemany("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", values.items())
            self._bump_generation()

    def generation(self) -> int:
        return int(self.get_meta("generation", "0") or 0)

    def _bump_generation(self) -> None:
        # Every committed change bumps the generation; caches (the FAISS file, a reader's
        # loaded index) compare it to know they are stale.
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    # -- documents ------------------------------------------------------------------------
    def documents(self) -> list[DocumentRecord]:
        rows = self.conn.execute("SELECT * FROM documents ORDER BY path").fetchall()
        return [_doc(r) for r in rows]

    def document(self, path: str) -> DocumentRecord | None:
        row = self.conn.execute("SELECT * FROM documents WHERE path=?", (path,)).fetchone()
        return _doc(row) if row else None

    def document_by_id(self, doc_id: int) -> DocumentRecord | None:
        row = self.conn.execute("SELECT * FROM documents WHERE id=?", (doc_id,)).fetchone()
        return _doc(row) if row else None

    def replace_document(
        self, doc: NewDocument, chunks: list[Chunk], lexical: list[str], vectors: np.ndarray | None
    ) -> tuple[int, list[int], list[int]]:
        """Atomically put ``doc`` with its chunks in place of any earlier version.

        Returns (doc id, rowids removed, rowids added) so the vector cache can follow.
        """
        if vectors is not None and len(vectors) != len(chunks):
            raise ValueError("one vector per chunk expected")
        now = time.strftime("%Y-%m-%dT%H:%M:%S")
        with self.conn:
            removed = self._delete_chunks_of(doc.path)
            self.conn.execute(
                """INSERT INTO documents(path, name, kind, content_hash, size, mtime, status, error, warnings,
                       title, pages, rows, chunk_count, parser_version, indexed_at)
                   VALUES (?, ?, ?, ?, ?, ?, 'indexed', NULL, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT(path) DO UPDATE SET name=excluded.name, kind=excluded.kind,
                       content_hash=excluded.content_hash, size=excluded.size, mtime=excluded.mtime,
                       status='indexed', error=NULL, warnings=excluded.warnings, title=excluded.title,
                       pages=excluded.pages, rows=excluded.rows, chunk_count=excluded.chunk_count,
                       parser_version=excluded.parser_version, indexed_at=excluded.indexed_at""",
                (doc.path, doc.name, doc.kind, doc.content_hash, doc.size, doc.mtime, json.dumps(doc.warnings, ensure_ascii=False),
                 doc.title, doc.pages, doc.rows, len(chunks), doc.parser_version, now),
            )
            doc_id = self.conn.execute("SELECT id FROM documents WHERE path=?", (doc.path,)).fetchone()[0]
            added: list[int] = []
            for i, chunk in enumerate(chunks):
                blob = vectors[i].astype(np.float32).tobytes() if vectors is not None else None
                cur = self.conn.execute(
                    """INSERT INTO chunks(id, doc_id, ordinal, kind, text, body, page_start, page_end, section,
                           sheet, row_start, row_end, token_count, lexical, embedding)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (chunk.id, doc_id, chunk.ordinal, chunk.kind, chunk.text, chunk.body, chunk.page_start,
                     chunk.page_end, chunk.section, chunk.sheet, chunk.row_start, chunk.row_end,
                     chunk.token_count, lexical[i], blob),
                )
                added.append(int(cur.lastrowid))
            self._bump_generation()
        return doc_id, removed, added

    def record_failure(self, doc: NewDocument, error: str) -> None:
        """Remember a file that could not be read (shown in `docqa list` and the page).

        A document that was indexed before keeps its chunks: a broken new version never
        takes the good old one down; the error is kept beside it.
        """
        now = time.strftime("%Y-%m-%dT%H:%M:%S")
        with self.conn:
            existing = self.conn.execute("SELECT status FROM documents WHERE path=?", (doc.path,)).fetchone()
            if existing and existing[0] == "indexed":
                self.conn.execute("UPDATE documents SET error=? WHERE path=?", (f"latest version not indexed: {error}", doc.path))
            else:
                self.conn.execute(
                    """INSERT INTO documents(path, name, kind, content_hash, size, mtime, status, error, warnings,
                           title, pages, rows, chunk_count, parser_version, indexed_at)
                       VALUES (?, ?, ?, ?, ?, ?, 'failed', ?, ?, NULL, NULL, NULL, 0, ?, ?)
                       ON CONFLICT(path) DO UPDATE SET content_hash=excluded.content_hash, size=excluded.size,
                           mtime=excluded.mtime, status='failed', error=excluded.error,
                           warnings=excluded.warnings, parser_version=excluded.parser_version,
                           indexed_at=excluded.indexed_at""",
                    (doc.path, doc.name, doc.kind, doc.content_hash, doc.size, doc.mtime, error,
                     json.dumps(doc.warnings, ensure_ascii=False), doc.parser_version, now),
                )
            self._bump_generation()

    def remove_document(self, path: str) -> list[int]:
        """Delete a document and its chunks; returns the removed chunk rowids."""
        with self.conn:
            removed = self._delete_chunks_of(path)
            self.conn.execute("DELETE FROM documents WHERE path=?", (path,))
            self._bump_generation()
        return removed

    def _delete_chunks_of(self, path: str) -> list[int]:
        rows = self.conn.execute(
            "SELECT c.rowid FROM chunks c JOIN documents d ON d.id = c.doc_id WHERE d.path=?", (path,)
        ).fetchall()
        removed = [int(r[0]) for r in rows]
        self.conn.execute("DELETE FROM chunks WHERE doc_id IN (SELECT id FROM documents WHERE path=?)", (path,))
        return removed

    # -- chunks ---------------------------------------------------------------------------
    _CHUNK_SELECT = """SELECT c.rowid, c.id, c.doc_id, d.path AS doc_path, d.title AS doc_title, c.ordinal, c.kind,
                              c.text, c.body, c.page_start, c.page_end, c.section, c.sheet, c.row_start,
                              c.row_end, c.token_count
                       FROM chunks c JOIN documents d ON d.id = c.doc_id"""

    def chunks_by_rowid(self, rowids: list[int]) -> dict[int, StoredChunk]:
        out: dict[int, StoredChunk] = {}
        for start in range(0, len(rowids), 500):
            part = rowids[start : start + 500]
            marks = ",".join("?" * len(part))
            for r in self.conn.execute(f"{self._CHUNK_SELECT} WHERE c.rowid IN ({marks})", part):
                out[int(r["rowid"])] = StoredChunk(**dict(r))
        return out

    def chunks_of(self, doc_id: int) -> list[StoredChunk]:
        rows = self.conn.execute(f"{self._CHUNK_SELECT} WHERE c.doc_id=? ORDER BY c.ordinal", (doc_id,))
        return [StoredChunk(**dict(r)) for r in rows]

    def neighbour(self, chunk: StoredChunk, offset: int) -> StoredChunk | None:
        row = self.conn.execute(
            f"{self._CHUNK_SELECT} WHERE c.doc_id=? AND c.ordinal=?", (chunk.doc_id, chunk.ordinal + offset)
        ).fetchone()
        return StoredChunk(**dict(row)) if row else None

    def chunk_count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])

    def iter_vectors(self, batch: int = 10000) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(rowids, vectors) in batches, for rebuilding the FAISS cache from the source of truth."""
        last = -1
        while True:
            rows = self.conn.execute(
                "SELECT rowid, embedding FROM chunks WHERE rowid > ? AND embedding IS NOT NULL ORDER BY rowid LIMIT ?",
                (last, batch),
            ).fetchall()
            if not rows:
                return
            ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            vecs = np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
            last = int(ids[-1])
            yield ids, vecs

    def lexical_search(
        self, terms: list[str], limit: int, doc_ids: list[int] | None = None, rowids: list[int] | None = None
    ) -> list[tuple[int, float]]:
        """BM25 over the FTS5 index: (rowid, score) best first; higher is better.

        ``doc_ids`` restricts to some documents, ``rowids`` to given chunks (used to score
        candidates that only the dense retriever proposed; BM25 statistics stay global)."""
        if not terms:
            return []
        # Each term quoted: FTS5 syntax characters in user text must not become operators.
        match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
        sql = "SELECT rowid, -bm25(chunks_fts) AS score FROM chunks_fts WHERE chunks_fts MATCH ?"
        params: list = [match]
        if doc_ids:
            sql += f" AND rowid IN (SELECT rowid FROM chunks WHERE doc_id IN ({','.join('?' * len(doc_ids))}))"
            params += doc_ids
        if rowids:
            sql += f" AND rowid IN ({','.join('?' * len(rowids))})"
            params += rowids
        sql += " ORDER BY bm25(chunks_fts) LIMIT ?"
        params.append(limit)
        return [(int(r[0]), float(r[1])) for r in self.conn.execute(sql, params)]


def _doc(row: sqlite3.Row) -> DocumentRecord:
    data = dict(row)
    data["warnings"] = json.loads(data.get("warnings") or "[]")
    return DocumentRecord(**data)
