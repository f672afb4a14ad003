import shutil

import pytest

from ingest.index import EmbeddingMismatch
from ingest.pipeline import ingest
from rag.passages import Passage, Scores
from rag.retrieval import Retriever, collapse_near_duplicates, merge_adjacent


def test_lexical_finds_the_spreadsheet_row_with_provenance(rag_settings):
    result = Retriever(rag_settings).search("mileage rate per mile for a car", k=3, mode="lexical")
    top = result.passages[0]
    assert top.doc_name == "rates.xlsx" and top.sheet == "Mileage" and (top.row_start, top.row_end) == (2, 3)
    assert "Car" in top.body and top.label() == "rates.xlsx · Mileage, rows 2–3"


def test_hybrid_scores_every_candidate_both_ways(rag_settings):
    result = Retriever(rag_settings).search("How many days of annual leave do employees receive?", k=4)
    assert result.mode == "hybrid"
    fused = [p.scores.fused for p in result.passages]
    assert fused == sorted(fused, reverse=True)
    assert all(p.scores.dense is not None for p in result.passages)
    assert any(p.doc_name == "leave.txt" for p in result.passages[:2])


def test_chinese_question_matches_chinese_markdown_section(rag_settings):
    result = Retriever(rag_settings).search("年假有几天？", k=2, mode="lexical")
    assert result.passages[0].doc_name == "faq.md"
    assert "第三章 休假" in result.passages[0].section


def test_document_filter(rag_settings):
    result = Retriever(rag_settings).search("annual leave passwords mileage", k=5, docs=["security.docx"])
    assert result.passages and {p.doc_name for p in result.passages} == {"security.docx"}


def test_json_shape(rag_settings):
    p = Retriever(rag_settings).search("passwords", k=1).passages[0]
    data = p.to_json(1)
    assert set(data) == {"rank", "doc", "page_start", "page_end", "section", "sheet", "row_start", "row_end", "also_in", "text", "scores"}
    assert set(data["scores"]) == {"dense", "lexical", "fused", "rerank"}


def test_new_documents_become_searchable_without_restart(rag_settings, tmp_path):
    settings = rag_settings.replace(index_dir=tmp_path / "index")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Parking is reimbursed up to 25 dollars a day.", encoding="utf-8")
    ingest([docs], settings)
    retriever = Retriever(settings)
    assert not retriever.search("canteen opening hours", k=5, mode="lexical").passages
    (docs / "b.txt").write_text("The canteen opening hours are 11:30 to 14:00.", encoding="utf-8")
    ingest([docs], settings)
    assert retriever.refresh_if_stale()
    assert retriever.search("canteen opening hours", k=1, mode="lexical").passages[0].doc_name == "b.txt"


def test_copies_of_a_document_do_not_fill_the_top_k(rag_settings, tmp_path):
    settings = rag_settings.replace(index_dir=tmp_path / "index")
    docs = tmp_path / "docs"
    docs.mkdir()
    text = "Overtime is paid at 150 percent on weekdays and 200 percent on weekends."
    (docs / "policy.txt").write_text(text, encoding="utf-8")
    (docs / "policy-copy.txt").write_text(text, encoding="utf-8")
    (docs / "other.txt").write_text("Overtime must be approved in advance by a manager.", encoding="utf-8")
    ingest([docs], settings)
    passages = Retriever(settings).search("overtime pay weekends", k=3).passages
    names = [p.doc_name for p in passages]
    assert len(names) == 2 and "other.txt" in names
    kept = next(p for p in passages if p.doc_name != "other.txt")
    # the copy is not lost: the reader is told where else the text stands
    assert [c.doc_name for c in kept.copies] == [({"policy.txt", "policy-copy.txt"} - {kept.doc_name}).pop()]
    assert kept.to_json()["also_in"][0]["doc"].endswith(kept.copies[0].doc_name)


def test_many_copies_still_leave_k_distinct_passages(rag_settings, tmp_path):
    """Copies ranked above everything else used to be cut before collapsing, leaving fewer
    than k passages (down to one on a corpus of copied pages)."""
    settings = rag_settings.replace(index_dir=tmp_path / "index")
    docs = tmp_path / "docs"
    docs.mkdir()
    text = "Overtime on weekends is paid at 200 percent of the hourly overtime wage. Overtime overtime."
    for i in range(30):
        (docs / f"copy{i:02}.txt").write_text(text, encoding="utf-8")
    (docs / "approval.txt").write_text("Overtime must be approved in advance by a manager.", encoding="utf-8")
    (docs / "holidays.txt").write_text("Overtime on public holidays is paid at 300 percent.", encoding="utf-8")
    ingest([docs], settings)
    passages = Retriever(settings).search("overtime", k=3, mode="lexical").passages
    assert len(passages) == 3
    assert {p.doc_name for p in passages[1:]} == {"approval.txt", "holidays.txt"}
    # every copy is kept, each file once; one line names five of them and counts the rest
    assert sorted(c.doc_name for c in passages[0].copies) == sorted({f"copy{i:02}.txt" for i in range(30)} - {passages[0].doc_name})
    assert passages[0].also_in().endswith("and 24 more") and passages[0].also_in().count(";") == 4
    assert len(passages[0].to_json()["also_in"]) == 29


def test_a_passage_inside_a_better_ranked_one_is_folded_into_it():
    """The same text in two files is chunked at different places: the shorter piece adds nothing."""
    whole = "Overtime on weekends is paid at 200 percent. Overtime on holidays is paid at 300 percent. Claims go to HR."
    a = Passage(1, "1", "/d/a.txt", None, whole, whole, "paragraph", 0)
    b = Passage(2, "2", "/d/b.txt", None, "Overtime on holidays is paid at 300 percent.", "Overtime on holidays is paid at 300 percent.", "paragraph", 0)
    c = Passage(3, "3", "/d/c.txt", None, "Parking costs 25 dollars.", "Parking costs 25 dollars.", "paragraph", 0)
    out = collapse_near_duplicates([a, b, c])
    assert [p.rowid for p in out] == [1, 3] and [x.rowid for x in out[0].copies] == [2]


def test_collapse_near_duplicates_keeps_the_better_ranked():
    mk = lambda i, body: Passage(i, str(i), f"/d/{i}.txt", None, body, body, "paragraph", 0, scores=Scores(fused=1.0 / i))  # noqa: E731
    a = mk(1, "年假天数按工龄计算，满一年不满十年的，年假五天。")
    b = mk(2, "年假天数按工龄计算，满一年不满十年的，年假五天")
    c = mk(3, "病假工资按基本工资的百分之八十发放。")
    assert [p.rowid for p in collapse_near_duplicates([a, b, c])] == [1, 3]


def test_neighbours(rag_settings):
    retriever = Retriever(rag_settings)
    first = retriever.search("年假", k=1, mode="lexical").passages[0]
    after = retriever.neighbours(first, after=1)
    assert all(n.doc_path == first.doc_path and n.ordinal == first.ordinal + 1 for n in after)


def test_other_embedding_model_is_a_clear_error(rag_settings, tmp_path):
    other = tmp_path / "other-embedder"
    shutil.copytree(rag_settings.embed_model, other)
    with pytest.raises(EmbeddingMismatch, match="--rebuild"):
        Retriever(rag_settings.replace(embed_model=str(other)))


def test_neighbouring_chunks_of_one_page_are_merged_without_repeating_the_overlap():
    from rag.retrieval import merge_adjacent

    def mk(rowid, ordinal, body, page=3):
        return Passage(rowid, str(rowid), "/d/a.pdf", None, "T\n" + body, body, "paragraph", ordinal,
                       page_start=page, page_end=page, scores=Scores(fused=1.0 / rowid))

    a = mk(1, 4, "Rule one applies. Rule two applies.")
    b = mk(2, 5, "Rule two applies. Rule three applies.")
    c = mk(3, 9, "Unrelated rule.")
    d = mk(4, 6, "Other page text.", page=4)
    out = merge_adjacent([b, c, a, d])
    assert [p.rowid for p in out] == [2, 3, 4]
    assert out[0].body == "Rule one applies. Rule two applies. Rule three applies."
    assert out[0].text == "T\n" + out[0].body and out[0].ordinals == (4, 5)


def test_each_part_of_a_compound_question_gets_a_place(rag_settings, tmp_path):
    """One query for two questions ranks only the first topic's passages; each part is also
    searched on its own and its best passage is kept in the top k."""
    settings = rag_settings.replace(index_dir=tmp_path / "index")
    docs = tmp_path / "docs"
    docs.mkdir()
    topics = ["warehouse shifts", "drivers on long routes", "office staff", "night security", "seasonal staff"]
    for i, who in enumerate(topics):
        (docs / f"overtime{i}.txt").write_text(
            f"Overtime for {who}: overtime on weekends and public holidays is paid at {200 + 10 * i} percent, "
            f"approved by a manager beforehand, with a daily limit of {i + 2} hours of overtime.", encoding="utf-8")
    (docs / "parking.txt").write_text("Car parking: a daily reimbursement limit of 25 dollars.", encoding="utf-8")
    for i, topic in enumerate(["canteen menus", "fire drills", "library loans", "printer toner", "visitor badges",
                               "desk booking", "bicycle storage", "recycling bins", "first aid kits", "team events"]):
        (docs / f"other{i}.txt").write_text(f"Notes on {topic}: no car and no reimbursement involved.", encoding="utf-8")
    ingest([docs], settings)
    retriever = Retriever(settings)
    question = ("How is overtime on weekends and public holidays paid and approved by a manager, "
                "and what is the daily reimbursement limit for car parking?")
    alone = retriever._search_once(question, 3, None, "minmax", None, "lexical").passages
    assert "parking.txt" not in [p.doc_name for p in alone]  # the premise: one query misses part two
    names = [p.doc_name for p in retriever.search(question, k=3, mode="lexical").passages]
    assert len(names) == 3 and "parking.txt" in names and names[0].startswith("overtime")


def test_a_document_the_question_names_ranks_first(rag_settings, tmp_path):
    """Two plans say nearly the same thing; the question names one of them by its file name."""
    settings = rag_settings.replace(index_dir=tmp_path / "index")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "Gold_Plan_Details.txt").write_text("Dental cleanings are covered twice a year at no cost.", encoding="utf-8")
    (docs / "Basic_Plan_Details.txt").write_text("Dental cleanings are covered twice a year, with a copay.", encoding="utf-8")
    ingest([docs], settings)
    question = "How often are dental cleanings covered in the Basic Plan Details?"
    for order in (["Basic_Plan_Details.txt"], ["Gold_Plan_Details.txt"]):
        named = question.replace("Basic", order[0].split("_")[0])
        top = Retriever(settings).search(named, k=2, mode="lexical").passages[0]
        assert top.doc_name == order[0]
    off = Retriever(settings.replace(named_doc_bonus=0.0)).search(question, k=2, mode="lexical").passages
    assert {p.doc_name for p in off} == {"Basic_Plan_Details.txt", "Gold_Plan_Details.txt"}


def test_merged_neighbours_name_each_copy_once():
    """Two neighbouring chunks copied into the same other file used to list that file twice
    ("also in: 380.txt; 380.txt")."""
    def chunk(rowid, doc, ordinal, body, copies=()):
        return Passage(rowid, str(rowid), doc, None, body, body, "paragraph", ordinal, copies=copies)

    copy_a, copy_b = chunk(10, "/d/copy.txt", 0, "First part."), chunk(11, "/d/copy.txt", 0, "Second part.")
    other = chunk(12, "/d/other.txt", 3, "Second part.")
    first = chunk(1, "/d/main.txt", 0, "First part.", copies=(copy_a,))
    second = chunk(2, "/d/main.txt", 1, "Second part.", copies=(copy_b, other))
    (merged,) = merge_adjacent([first, second])
    assert [c.doc_name for c in merged.copies] == ["copy.txt", "other.txt"]
    assert merged.also_in() == "copy.txt; other.txt"
