"""Request and response bodies of the HTTP API (pydantic), so the OpenAPI description FastAPI serves
is the contract, field by field. The shapes mirror the CLI's JSON (`docqa ask --json`,
`docqa ingest --json`, `docqa sentiment --json`): the API adds no fields of its own meaning.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

# Input bounds. A question longer than this is not a question; a long history only slows the
# prefill (the prompt budget would drop most of it anyway).
MAX_QUESTION_CHARS = 2000
MAX_TURN_CHARS = 8000
MAX_HISTORY_TURNS = 20
MAX_K = 20
MAX_SENTIMENT_CHARS = 4000
MAX_NEW_TOKENS_CAP = 1024


class ErrorBody(BaseModel):
    message: str
    type: str = Field(description="invalid_request_error | authentication_error | not_found_error | "
                                  "rate_limit_error | request_too_large | index_unavailable | model_unavailable | "
                                  "server_busy | server_error")


class ErrorResponse(BaseModel):
    """Every error, whatever the endpoint: never a traceback."""

    error: ErrorBody


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str = Field(max_length=MAX_TURN_CHARS)


# ---------------------------------------------------------------- /v1/ask


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS)
    history: list[Turn] = Field(default_factory=list, max_length=MAX_HISTORY_TURNS,
                                description="prior turns, oldest first; a follow-up is resolved against them")
    k: int | None = Field(default=None, ge=1, le=MAX_K, description="passages retrieved (default: the server's)")
    docs: list[str] | None = Field(default=None, max_length=100, description="only these documents (path or file name)")
    stream: bool = Field(default=False, description="true: text/event-stream of token, sources, done events")
    max_new_tokens: int | None = Field(default=None, ge=1, le=MAX_NEW_TOKENS_CAP)


class Location(BaseModel):
    """Where a passage comes from (rag.passages.Passage.provenance)."""

    doc: str
    page_start: int | None = None
    page_end: int | None = None
    section: str | None = None
    sheet: str | None = None
    row_start: int | None = None
    row_end: int | None = None


class SourceLocation(Location):
    also_in: list[Location] = Field(default_factory=list,
                                    description="other files or places holding (nearly) the same text")


class CitationOut(SourceLocation):
    n: int
    quote: str = Field(description="the quoted sentences as one text, \" … \" where sentences between are left out")
    quotes: list[str] = Field(default_factory=list,
                              description="the passage sentence behind each answer sentence citing it (at most 3), "
                                          "in passage order")


class PassageScores(BaseModel):
    dense: float | None = None
    lexical: float | None = None
    fused: float | None = None
    rerank: float | None = None


class PassageOut(SourceLocation):
    rank: int
    text: str
    scores: PassageScores


class AnswerTimings(BaseModel):
    retrieve_s: float
    first_token_s: float | None
    total_s: float


class TokenUsage(BaseModel):
    prompt: int
    completion: int


class AskResponse(BaseModel):
    """Exactly `docqa ask --json` (rag.answer.Answer.to_json)."""

    answer: str
    refused: bool
    mode: Literal["llm", "extractive", "refusal"]
    citations: list[CitationOut]
    passages: list[PassageOut]
    timings: AnswerTimings
    tokens: TokenUsage
    model: str | None
    notes: list[str]


# ---------------------------------------------------------------- /v1/chat (plain, not grounded)


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    messages: list[Turn] = Field(min_length=1, max_length=MAX_HISTORY_TURNS + 1,
                                 description="the conversation, oldest first; the last one is the user's")
    stream: bool = False
    max_new_tokens: int | None = Field(default=None, ge=1, le=MAX_NEW_TOKENS_CAP)


class ChatResponse(BaseModel):
    """A reply of the model alone: NOT grounded in the documents (``grounded`` is always false)."""

    answer: str
    grounded: Literal[False] = False
    notice: str = Field(description="what to show beside the reply: it does not come from the documents")
    lang: str
    model: str | None
    timings: dict[str, float | None]
    tokens: TokenUsage
    stopped_reason: str | None


# ---------------------------------------------------------------- /v1/sentiment


class SentimentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_SENTIMENT_CHARS)


class SentimentResponse(BaseModel):
    label: Literal["positive", "negative", "neutral"]
    score: float = Field(ge=0, le=1, description="probability of the label among the three")
    scores: dict[str, float]
    lang: str


# ---------------------------------------------------------------- documents


class DocumentOut(BaseModel):
    id: int
    name: str
    path: str
    kind: str
    status: str = Field(description="indexed | failed")
    error: str | None = None
    title: str | None = None
    pages: int | None = None
    rows: int | None = None
    chunks: int
    size: int
    indexed_at: str
    warnings: list[str] = Field(default_factory=list)


class DocumentList(BaseModel):
    documents: list[DocumentOut]
    embed_model: str | None = Field(description="the index's embedding model (None: keyword search only)")


class UploadedFileReport(BaseModel):
    name: str = Field(description="the file name as uploaded")
    status: Literal["indexed", "unchanged", "failed", "skipped", "rejected"]
    reason: str | None = None
    upload: Literal["saved", "duplicate", "rejected"]
    path: str | None = Field(default=None, description="where the file was stored")
    document_id: int | None = None
    pages: int | None = None
    rows: int | None = None
    chunks: int = 0
    warnings: list[str] = Field(default_factory=list)


class UploadResponse(BaseModel):
    files: list[UploadedFileReport]
    ingest: dict[str, Any] | None = Field(default=None, description="`docqa ingest --json` for the accepted files")


class DeleteResponse(BaseModel):
    id: int
    path: str
    chunks_removed: int
    file_deleted: bool = Field(description="true when the file was an upload and was deleted as well")


# ---------------------------------------------------------------- /healthz


class ModelStatus(BaseModel):
    name: str | None
    status: Literal["loaded", "loading", "not_loaded", "error", "disabled"]
    error: str | None = None
    dtype: str | None = None


class IndexStatus(BaseModel):
    dir: str
    status: Literal["ready", "missing", "error"]
    error: str | None = None
    documents: int = 0
    failed: int = 0
    chunks: int = 0
    embed_model: str | None = None


class QueueStatus(BaseModel):
    running: int
    waiting: int
    max_waiting: int


class Health(BaseModel):
    status: Literal["ok", "degraded"] = Field(description="degraded: the model failed to load (extracted answers only) or no index")
    model: ModelStatus
    index: IndexStatus
    queue: QueueStatus
    auth: bool = Field(description="an API key is required")
