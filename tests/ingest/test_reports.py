from ingest.reports import FileReport, IngestReport


def test_totals_count_each_status_and_only_indexed_files_work():
    report = IngestReport(
        files=[
            FileReport("a.pdf", "indexed", pages=10, chunks=30),
            FileReport("b.xlsx", "indexed", rows=40, chunks=10),
            FileReport("c.pdf", "unchanged", pages=99, chunks=99),  # counted before, not now
            FileReport("d.pdf", "failed", "encrypted: password required"),
            FileReport("e.png", "skipped", "unsupported format (.png)"),
        ],
        seconds=8.0,
        semantic=True,
        timings={"embed": 4.0},
    )
    totals = report.totals
    assert (totals["indexed"], totals["unchanged"], totals["failed"], totals["skipped"], totals["removed"]) == (2, 1, 1, 1, 0)
    assert totals["files"] == 5 and totals["pages"] == 10 and totals["chunks"] == 40
    assert totals["chunks_per_s"] == 5.0 and totals["embed_chunks_per_s"] == 10.0
    assert report.exit_code == 2  # a failed file makes the batch's exit code 2


def test_a_batch_without_failures_exits_0_and_an_empty_one_divides_by_nothing():
    clean = IngestReport([FileReport("a.txt", "unchanged")], seconds=0.0, semantic=False)
    assert clean.exit_code == 0
    assert clean.totals["chunks_per_s"] == 0.0 and clean.totals["embed_chunks_per_s"] == 0.0
