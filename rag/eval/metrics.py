"""Public metric API of `docqa eval` (the runner imports from here).

The code lives in small modules by concern: questions (format), retrieval (location
matching, hit@k, citations), normalize + answers (answer correctness), report (records,
refusals, aggregation, table).
"""
from __future__ import annotations

from rag.eval.answers import (
    AnswerScore,
    TokenOverlap,
    answer_correct,
    judge_answer,
    key_fact_recall,
    key_facts,
    token_f1,
    token_overlap,
)
from rag.eval.normalize import answer_tokens, normalize_answer
from rag.eval.questions import GoldSource, Question, load_questions, parse_question
from rag.eval.report import (
    QuestionRecord,
    Timings,
    format_table,
    percentile,
    record_to_dict,
    refusal_outcome,
    score_question,
    summarize,
)
from rag.eval.retrieval import (
    RetrievalScore,
    RetrievedItem,
    citation_correct,
    doc_match,
    evidence_match,
    location_match,
    retrieval_scores,
    section_match,
)

__all__ = [
    "AnswerScore", "GoldSource", "Question", "QuestionRecord", "RetrievalScore", "RetrievedItem",
    "Timings", "TokenOverlap", "answer_correct", "answer_tokens", "citation_correct", "doc_match",
    "evidence_match", "format_table", "judge_answer", "key_fact_recall", "key_facts",
    "load_questions", "location_match", "normalize_answer", "parse_question", "percentile", "record_to_dict",
    "refusal_outcome", "retrieval_scores", "score_question", "section_match", "summarize",
    "token_f1", "token_overlap",
]
