"""A small folder of real documents of each format, written at test time."""
from __future__ import annotations

from pathlib import Path


def write_corpus(folder: Path) -> dict[str, Path]:
    import docx
    import openpyxl

    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    files["txt"] = folder / "leave.txt"
    files["txt"].write_text(
        "Annual leave policy\n\nEmployees receive 25 days of annual leave per year. Unused days expire on 31 March.\n\n"
        "Sick leave is paid in full for the first 10 days.\n",
        encoding="utf-8",
    )
    files["md"] = folder / "faq.md"
    files["md"].write_text(
        "# 员工手册\n\n## 第三章 休假\n\n年假天数按工龄计算，满一年不满十年的，年假五天。\n\n## 第四章 报销\n\n差旅费用应在三十日内报销。\n",
        encoding="utf-8",
    )
    document = docx.Document()
    document.add_heading("Security rules", 1)
    document.add_paragraph("Passwords must have at least 12 characters and are changed every 90 days.")
    table = document.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Level", "Handling"
    table.rows[1].cells[0].text, table.rows[1].cells[1].text = "Secret", "Encrypted storage only"
    files["docx"] = folder / "security.docx"
    document.save(files["docx"])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Mileage"
    ws.append(["Vehicle", "Rate per mile"])
    ws.append(["Car", 0.62])
    ws.append(["Motorbike", 0.31])
    files["xlsx"] = folder / "rates.xlsx"
    wb.save(files["xlsx"])
    files["broken"] = folder / "broken.pdf"
    files["broken"].write_bytes(b"%PDF-1.4\n this is not really a pdf \x00\x01\x02")
    files["unsupported"] = folder / "scan.png"
    files["unsupported"].write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32)
    return files
