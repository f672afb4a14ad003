"""Shared by the eval metric tests: a question built from a few fields."""
from __future__ import annotations

from rag.eval.questions import parse_question


def make_q(**fields):
    base = {"id": "q1", "question": "What is it?", "lang": "en", "gold_answer": "It is X."}
    base.update(fields)
    return parse_question(base)


# A scholarship rule in Chinese, used as gold evidence.
EVIDENCE_ZH = (
    "学校设立新生奖学金，用于奖励入学成绩优异的本科新生。一等奖每人八千元，二等奖每人五千元，"
    "三等奖每人三千元。申请人须在开学后两周内向所在学院提交申请表，由学院评审委员会初审后报学校审批。"
    "获奖名单在校园网公示五个工作日，公示无异议后发放奖金。"
)
