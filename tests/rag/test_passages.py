from rag.passages import Passage, Scores, close_to_best


def P(i, fused):
    return Passage(i, str(i), f"/d/{i}.md", None, "text", "text", "paragraph", 0, scores=Scores(fused=fused))


def test_close_to_best_keeps_passages_within_the_gap_in_order():
    passages = [P(1, 1.0), P(2, 0.85), P(3, 0.6), P(4, 0.81)]
    assert [p.rowid for p in close_to_best(passages, 0.2)] == [1, 2, 4]
    assert [p.rowid for p in close_to_best(passages, 0.5)] == [1, 2, 3, 4]


def test_close_to_best_always_keeps_the_first_and_handles_none():
    # a part-question passage placed first may score below a later one: the first stays
    assert [p.rowid for p in close_to_best([P(1, 0.5), P(2, 1.0)], 0.2)] == [1, 2]
    assert close_to_best([], 0.2) == []


def test_close_to_best_keeps_the_first_few_whatever_their_scores():
    passages = [P(1, 1.0), P(2, 0.5), P(3, 0.4), P(4, 0.95)]
    assert [p.rowid for p in close_to_best(passages, 0.2, keep=2)] == [1, 2, 4]


def test_location_names_the_sheet_and_rows_or_the_rows_alone():
    def rows(sheet, start, end):
        return Passage(1, "1", "/d/rates.xls", None, "t", "t", "row", 0, sheet=sheet, row_start=start, row_end=end)

    assert rows("Per diem", 4, 6).label() == "rates.xls · Per diem, rows 4–6"
    assert rows("Per diem", 4, 4).label() == "rates.xls · Per diem, row 4"
    assert rows(None, 4, 6).label() == "rates.xls · rows 4–6"  # a CSV has rows but no sheet
    assert rows(None, None, None).label() == "rates.xls"


def test_a_slide_is_named_as_a_slide():
    slide = Passage(1, "1", "/d/briefing.pptx", None, "t", "t", "paragraph", 0, page_start=4, page_end=4, section="Leave")
    assert slide.label() == "briefing.pptx · slide 4 · Leave"
    assert P(1, 0.5).label() == "1.md"  # neither pages nor rows
