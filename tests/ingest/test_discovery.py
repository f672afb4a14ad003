import os

from ingest.discovery import collect_files, file_hash


def test_a_linked_folder_is_walked_once_and_a_link_loop_ends(tmp_path):
    shared = tmp_path / "shared"
    (shared / "policies").mkdir(parents=True)
    (shared / "policies" / "leave.txt").write_text("Annual leave is 15 days.", encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "own.txt").write_text("Own file.", encoding="utf-8")
    os.symlink(shared / "policies", docs / "policies")  # the linked folder
    os.symlink(docs, docs / "policies-again")  # a link back up the tree
    os.symlink(shared / "policies", docs / "same-again")  # a second link to the same folder
    index = docs / "index"
    index.mkdir()
    (index / "chunks.txt").write_text("not a document", encoding="utf-8")
    files, missing = collect_files([docs], index_dir=index)
    assert missing == []
    names = sorted(str(f.relative_to(docs)) for f in files)
    assert names == ["own.txt", "policies/leave.txt"]


def test_hidden_and_office_lock_files_are_skipped_and_a_missing_path_is_reported(tmp_path):
    docs = tmp_path / "docs"
    (docs / ".git").mkdir(parents=True)
    (docs / ".git" / "config.txt").write_text("not a document", encoding="utf-8")
    (docs / ".notes.txt").write_text("hidden", encoding="utf-8")
    (docs / "~$policy.docx").write_bytes(b"lock")
    (docs / "policy.txt").write_text("Leave is 15 days.", encoding="utf-8")
    files, missing = collect_files([docs, tmp_path / "gone"])
    assert [f.name for f in files] == ["policy.txt"]
    assert [(m.status, m.reason) for m in missing] == [("failed", "no such file or folder")]


def test_file_hash_follows_the_bytes(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes(b"same")
    b.write_bytes(b"same")
    assert file_hash(a) == file_hash(b) and len(file_hash(a)) == 64
    b.write_bytes(b"other")
    assert file_hash(a) != file_hash(b)
