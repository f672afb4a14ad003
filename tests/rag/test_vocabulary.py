import sqlite3

from rag.spelling import Speller
from rag.vocabulary import Vocabulary


def test_vocabulary_is_read_from_the_index_words_before_stemming(rag_settings):
    conn = sqlite3.connect(f"file:{rag_settings.index_dir / 'docqa.sqlite3'}?mode=ro", uri=True)
    vocabulary = Vocabulary.from_connection(conn)
    # FTS5 stores Porter stems ("leave" -> "leav"); the words must be the documents' own
    assert "leave" in vocabulary.counts and "leav" not in vocabulary.counts
    assert vocabulary.chunks == conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    assert Speller.from_vocabulary(vocabulary).known("leave")


def test_a_large_index_is_sampled_for_its_words(tmp_path, monkeypatch):
    import rag.vocabulary as vocabulary_module

    conn = sqlite3.connect(tmp_path / "x.sqlite3")
    conn.execute("CREATE TABLE chunks (rowid INTEGER PRIMARY KEY, lexical TEXT)")
    words = ["w" + "".join(chr(97 + int(d)) for d in f"{i:04d}") for i in range(1, 1001)]  # letters only: "waaab", ...
    conn.executemany("INSERT INTO chunks VALUES (?, ?)", [(i, f"{w} common") for i, w in enumerate(words, 1)])
    monkeypatch.setattr(vocabulary_module, "VOCABULARY_MAX_CHUNKS", 100)
    sampled = Vocabulary.from_connection(conn)
    assert 90 <= sampled.chunks <= 100 and sampled.counts["common"] == sampled.chunks
    assert 90 <= sum(w in sampled.counts for w in words) <= 100
    monkeypatch.setattr(vocabulary_module, "VOCABULARY_MAX_CHUNKS", 5000)
    whole = Vocabulary.from_connection(conn)
    assert whole.chunks == 1000 and all(w in whole.counts for w in words)


def test_a_rarer_word_weighs_more_and_an_unknown_word_most():
    vocabulary = Vocabulary({"plan": 90, "taylormade": 1}, chunks=100)
    assert vocabulary.idf("japan") > vocabulary.idf("taylormade") > vocabulary.idf("plan") > 0
