"""Tests for ingest.parsers.pdf_quality: real text in several scripts passes, extraction garbage is flagged."""
from __future__ import annotations

import pytest

from ingest.parsers.pdf_quality import assess
from tests.ingest.parsers.pdf_samples import PROSE, glyph_id_salad

GOOD_TEXTS = {
    "english": " ".join(PROSE),
    "german": "Die Metrik d induziert die diskrete Topologie. Sei (X,d) ein metrischer Raum und "
    "Br(x) := {y∈X | d(x,y) < r} für x∈X, r∈R+. Dann ist B eine Basis der Topologie auf X; "
    "außerdem gilt für alle Überdeckungen die Eigenschaft der Kompaktheit.",
    "chinese": "第三条 员工入职满一年后，每年享有带薪年休假五天；满十年的，享有十天。"
    "应纳税所得额按照国家有关规定计算，公司不得拖延。",
    "japanese": "この規則は、従業員の休暇に関する基本的な事項を定めるものとする。"
    "年次有給休暇は、入社後六か月を経過した日に十日を付与する。",
    "mixed": "使用 Python 3.11 编写的 docqa 系统支持 PDF、Word 和 Excel 文档。"
    "English: Hello World. Русский: Привет, мир. 日本語: こんにちは世界。",
    "ocr_noise": "ZOq5 年年度报告中有关财务事项的说阴 天健函 2016) 306号 上海证券交易所: "
    "由浙江菲达环保科技股份有限公司 (以下简称菲达环保公司或公司)转来的",
}

BAD_TEXTS = {
    "replacement": "\ufffd" * 40 + " " + "\ufffd" * 30,
    "private_use": "".join(chr(0xE000 + i) for i in range(60)),
    "cid_tokens": " ".join(f"(cid:{i})" for i in range(40, 80)),
    "glyph_ids": glyph_id_salad("Prosim, prectete si pozorne tyto pokyny pred prvnim pouzitim."),
    "script_salad": "ୈೋୈҰ߲ͷදͷ੨৭ͷ౮Րͷ߲ୈࡾ߸தủؚΉỐỜỨΛủؚΉỐ੨৭ͷ౮Րͷҹͷ߲Λআ͖ỏҎԼ͜ͷʹ͓͍ͯಉ͡ỐỜΛỨ",
    "random_han": "㦓哾䴔嚟䵷鼖䕵㶂䆐嶰鷻䢃叀㘝鼫䮸䔪嚾㿤彏",
}


@pytest.mark.parametrize("name", sorted(GOOD_TEXTS))
def test_quality_accepts_real_text(name: str) -> None:
    assert assess(GOOD_TEXTS[name]).reason is None


@pytest.mark.parametrize("name", sorted(BAD_TEXTS))
def test_quality_flags_garbage(name: str) -> None:
    assert assess(BAD_TEXTS[name]).reason
