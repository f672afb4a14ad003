"""One Settings object for every command: CLI flags > environment ``DOCQA_*`` > defaults.

Defaults marked "measured" were chosen from runs recorded in EVAL.md / bench/results.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from ingest.chunking import CHUNK_CONTEXTS


def _default_models_dir() -> Path:
    return Path(os.path.expanduser("~/.cache/docqa/models"))


def physical_cores() -> int:
    """Physical cores (not SMT threads): torch runs best with one thread per core on CPU."""
    try:
        with open("/proc/cpuinfo", encoding="ascii", errors="replace") as fh:
            pairs = set()
            phys = core = None
            for line in fh:
                if line.startswith("physical id"):
                    phys = line.split(":")[1].strip()
                elif line.startswith("core id"):
                    core = line.split(":")[1].strip()
                elif not line.strip() and core is not None:
                    pairs.add((phys, core))
                    phys = core = None
            if core is not None:
                pairs.add((phys, core))
        if pairs:
            return max(1, min(len(pairs), os.cpu_count() or 1))
    except OSError:
        pass
    return max(1, os.cpu_count() or 1)


class SettingsError(ValueError):
    """A setting has a value it cannot take (the message names the variable and the choices)."""


@dataclass(frozen=True)
class Settings:
    # where things live
    index_dir: Path = Path("data/index")
    uploads_dir: Path = Path("data/uploads")
    models_dir: Path = field(default_factory=_default_models_dir)
    # models
    embed_model: str = "intfloat/multilingual-e5-small"
    llm: str = "Qwen/Qwen2.5-0.5B-Instruct"
    llm_dtype: str = "auto"  # auto (bf16 with native CPU support, else fp32) | bf16 | fp32 | int8
    embed_batch_size: int = 16
    threads: int = field(default_factory=physical_cores)
    # ingest bounds
    chunk_tokens: int = 320  # measured: see EVAL.md "chunk size"
    chunk_overlap_tokens: int = 40
    chunk_context: str = "section"  # indexed before each chunk's body; measured: EVAL.md "context prefix"
    max_file_mb: float = 100.0
    parse_timeout_s: float = 180.0
    # retrieval / answering
    k: int = 5
    dense_weight: float = 0.7  # measured: see EVAL.md "fusion"
    candidates: int = 50
    spell_max_edits: int = 2  # query words no chunk uses are corrected (rag.spelling); 0 turns it off
    named_doc_bonus: float = 0.2  # added to a named document's chunks (rag.named_docs); measured: EVAL.md
    refusal_threshold: float = 0.0  # calibrated: see EVAL.md "refusal"
    prompt_budget: int = 1000  # measured: see EVAL.md "prompt budget"
    prompt_style: str = "label-first"  # measured: see EVAL.md "prompt"
    passage_order: str = "best-first"  # in the prompt; measured: see EVAL.md "passage order"
    # The best few passages reordered by the chat model (rag.rerank): "ql" scores how readily it
    # writes the question after each passage; "off" keeps the retrieval order. Off: measured no
    # answer gain for +1.3-1.6 s a question (EVAL.md "Reranking with the chat model").
    rerank: str = "off"
    rerank_depth: int = 5
    rerank_weight: float = 0.5
    # Passages whose ranking score is more than this below the best one's stay out of the prompt
    # (0 = off: as many as fit the budget); measured: see EVAL.md "score gap".
    prompt_score_gap: float = 0.2
    # A passage longer than this many tokens is shown to the model as the run of its sentences
    # around the one that best matches the question (rag.focus); 0 = whole passages.
    passage_focus_tokens: int = 0
    # Answers extracted without a model rank a passage's sentences by the question's terms plus
    # this much of their meaning match (the embedding model's cosine, scaled over the shown
    # sentences); 0 = terms only. Measured: EVAL.md "Extracted sentences weigh meaning".
    extract_meaning_weight: float = 0.5
    # The model's part in refusals, once retrieval cleared the refusal threshold: "refuse" tells it
    # it may say the documents do not answer and trusts it; "extract" tells it too, but answers a
    # model refusal with the best-matching sentences (labelled as extracted); "unasked" does not
    # mention refusing (refusal is decided in code) and extracts if the model refuses anyway.
    # Measured: see EVAL.md "model refusals".
    on_model_refusal: str = "unasked"
    max_new_tokens: int = 200
    # Greedy decoding's penalty on tokens the answer already wrote (never on the prompt's, so
    # figures can be copied); 1.0 = none. Measured on the dev sets: EVAL.md "Decoding".
    repetition_penalty: float = 1.1
    # Copied passage text checked this many tokens at a time instead of generated one by one
    # (prompt-lookup decoding, rag.decoding); greedy answers the same up to near-ties, 0 turns it off.
    # Measured: see EVAL.md "Prompt-lookup decoding".
    prompt_lookup_tokens: int = 10
    generation_timeout_s: float = 120.0

    def __post_init__(self) -> None:
        for name, allowed in _CHOICES.items():
            value = getattr(self, name)
            if value not in allowed:
                raise SettingsError(f"DOCQA_{name.upper()}={value!r} is not one of {', '.join(allowed)}")
        if self.rerank_depth < 2:
            raise SettingsError(f"DOCQA_RERANK_DEPTH={self.rerank_depth} must be at least 2 (passages to reorder)")
        if not 0 <= self.prompt_lookup_tokens <= 64:
            raise SettingsError(f"DOCQA_PROMPT_LOOKUP_TOKENS={self.prompt_lookup_tokens} must be between 0 (off) and 64")
        if self.passage_focus_tokens < 0:
            raise SettingsError(f"DOCQA_PASSAGE_FOCUS_TOKENS={self.passage_focus_tokens} must be 0 (off) or a token count")
        if not 0.0 <= self.extract_meaning_weight <= 5.0:
            raise SettingsError(f"DOCQA_EXTRACT_MEANING_WEIGHT={self.extract_meaning_weight} must be between 0 (terms only) and 5")
        if not 1.0 <= self.repetition_penalty <= 2.0:
            raise SettingsError(f"DOCQA_REPETITION_PENALTY={self.repetition_penalty} must be between 1.0 (none) and 2.0")
        if not 0.0 <= self.rerank_weight <= 1.0:
            raise SettingsError(f"DOCQA_RERANK_WEIGHT={self.rerank_weight} must be between 0 and 1")

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    @classmethod
    def load(cls, environ: dict[str, str] | None = None, **flags: Any) -> "Settings":
        """Defaults, overridden by ``DOCQA_<FIELD>`` variables, overridden by non-None ``flags``."""
        environ = dict(os.environ if environ is None else environ)
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = environ.get("DOCQA_" + f.name.upper())
            if raw is None and f.name == "index_dir":
                raw = environ.get("DOCQA_INDEX")
            if raw is None and f.name == "models_dir":
                raw = environ.get("DOCQA_MODELS")
            if raw is None or raw == "":
                continue
            values[f.name] = _coerce(f, raw)
        base = cls(**values)
        known = {f.name for f in fields(cls)}
        unknown = set(flags) - known
        if unknown:
            raise ValueError(f"unknown settings {sorted(unknown)}; valid: {sorted(known)}")
        return base.replace(**{k: (_coerce(_field(k), v) if isinstance(v, str) else v) for k, v in flags.items()})


# String settings with a fixed set of values (checked when Settings are built).
_CHOICES: dict[str, tuple[str, ...]] = {
    "prompt_style": ("label-first", "label-last"),
    "passage_order": ("best-first", "best-last"),
    "on_model_refusal": ("extract", "refuse", "unasked"),
    "llm_dtype": ("auto", "bf16", "fp32", "int8"),
    "rerank": ("ql", "off"),
    "chunk_context": CHUNK_CONTEXTS,
}


def _field(name: str) -> dataclasses.Field:
    return next(f for f in fields(Settings) if f.name == name)


def _coerce(f: dataclasses.Field, raw: str) -> Any:
    kind = f.type if isinstance(f.type, str) else getattr(f.type, "__name__", str(f.type))
    try:
        if kind == "Path":
            return Path(os.path.expanduser(raw))
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError as exc:
        raise SettingsError(f"DOCQA_{f.name.upper()}={raw!r} is not a valid {kind}") from exc
    return raw
