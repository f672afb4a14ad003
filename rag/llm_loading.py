"""Find and load the chat model's weights: a hub id, a local directory, a ``.gguf`` file or
``modelscope:<id>``; local copies first, the network only when it is allowed and reachable.

Every way of not finding usable weights ends in one ``ModelUnavailable`` whose message says what
was looked for and what to do, so the CLI, the page and the API can show it as is (and fall back to
extracted answers) instead of a traceback.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ingest.models import hub_offline, hub_reachable, resolve_model  # noqa: F401 (re-exported)
from ingest.settings import Settings

log = logging.getLogger(__name__)

DEFAULT_LLM = "Qwen/Qwen2.5-0.5B-Instruct"

# Only what from_pretrained needs: skips the .bin/.onnx/.gguf duplicates some repos also carry.
HUB_PATTERNS = ["*.json", "*.safetensors", "*.txt", "*.jinja", "*.model", "*.tiktoken"]

WHAT_TO_DO = (
    "run `docqa download` on a connected machine and copy the folder here, then set "
    "DOCQA_MODELS=<folder>; or set DOCQA_LLM to a local model directory or .gguf file"
)



class ModelUnavailable(RuntimeError):
    """The model cannot be loaded; the message is meant for the user, whole."""


Dtype = Literal["auto", "bf16", "fp32", "int8"]


@dataclass(frozen=True)
class ModelSource:
    """Where the weights will come from once resolved."""

    kind: Literal["dir", "gguf", "hub"]
    location: str  # a directory, a .gguf path, or a hub id (kind == "hub": not cached locally)
    requested: str  # what the user asked for, for messages and the UI


# ---------------------------------------------------------------- dtype


def cpu_supports_bf16(cpuinfo: str | None = None) -> bool:
    """True when the CPU has native bf16 arithmetic (AVX512-BF16 or AMX); without it torch
    emulates bf16 and is slower than fp32."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
        except OSError:
            return False
    flags: set[str] = set()
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags.update(line.split(":", 1)[-1].split())
            break
    return bool(flags & {"avx512_bf16", "amx_bf16", "amx_tile"})


# Linear layers left in fp32 under int8. Dynamic int8 quantises each layer's input with one
# scale per tensor, and the inputs of Qwen2's MLP down-projection carry outlier channels that one
# scale cannot hold. Measured on 12 real dev-set prompts (bench/int8_agreement.py), teacher-forced
# top-1 agreement with fp32 greedy answers: every layer int8 0.833, output head kept 0.840,
# down_proj kept 0.897, both kept 0.911; keeping down_proj costs decode speed (x1.95 of fp32
# instead of x3.4), keeping the head too costs much more (x1.47) for little (generation.md "int8").
INT8_FP32_LAYERS = ("down_proj",)


def quantize_int8(model: Any, skip: tuple[str, ...] = INT8_FP32_LAYERS) -> None:
    """Dynamic int8 (torch.ao, per-channel weights) for the Linear layers, in place, except
    those whose name ends in one of ``skip`` (kept fp32).

    Measured on 2 cores (bench/results/generation.md), with ``down_proj`` kept: about 2x the decode
    speed of fp32 and 0.73x its first-token time. Converted one layer at a time from the bf16 model, so an fp32 copy exists
    for one layer at a time (quantize_dynamic on the whole model needs the whole model in fp32 plus
    a deep copy). Embeddings and norms go to fp32, which dynamic int8 Linear layers expect.
    torch.ao's eager quantisation is deprecated in favour of torchao, which is not installed here;
    it still ships with torch 2.13.
    """
    import warnings

    import torch
    from torch.ao.nn.quantized.dynamic import Linear as DynamicLinear
    from torch.ao.quantization import per_channel_dynamic_qconfig

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        names = [
            name for name, module in model.named_modules()
            if isinstance(module, torch.nn.Linear) and name.rpartition(".")[2] not in skip
        ]
        for name in names:
            parent_name, _, attr = name.rpartition(".")
            parent = model.get_submodule(parent_name) if parent_name else model
            source = getattr(parent, attr)
            fp32 = torch.nn.Linear(source.in_features, source.out_features, bias=source.bias is not None)
            with torch.no_grad():
                fp32.weight.copy_(source.weight)
                if source.bias is not None:
                    fp32.bias.copy_(source.bias)
            fp32.qconfig = per_channel_dynamic_qconfig
            setattr(parent, attr, DynamicLinear.from_float(fp32))
            del source, fp32
        model.float()


def choose_dtype(requested: str = "auto") -> "Any":
    """``auto`` -> bf16 where the CPU computes it natively, else fp32.

    Measured (bench/results/generation.md): bf16 peaks at 1.6 GB against fp32's 4.1 GB, the only
    setting within the 1.7 GB floor; its speed depends on the CPU (2x faster than fp32 on Zen 4 per
    DESIGN.md, but ~2x slower at prefill on an Intel CPU with AVX512-BF16 and no AMX), so ``fp32``
    is the choice there when memory allows. Without native bf16, torch emulates it: fp32.
    """
    import torch

    requested = (requested or "auto").lower()
    if requested in ("bf16", "bfloat16"):
        return torch.bfloat16
    if requested in ("fp32", "float32"):
        return torch.float32
    if requested == "int8":
        return torch.bfloat16  # the weights load in bf16, then quantize_int8 converts the Linear layers
    if requested != "auto":
        raise ValueError(f"dtype {requested!r} is not one of: auto, bf16, fp32, int8")
    return torch.bfloat16 if cpu_supports_bf16() else torch.float32


# ---------------------------------------------------------------- resolving


def _looks_like_path(source: str) -> bool:
    # A hub id is "org/name" or "name"; anything else a user types is a path.
    return (
        source.startswith(("/", ".", "~"))
        or source.lower().endswith(".gguf")
        or source.count("/") > 1
        or os.sep != "/" and os.sep in source
    )


def _local_source(path: Path, requested: str) -> ModelSource:
    if path.is_file():
        if path.suffix.lower() == ".gguf":
            return ModelSource("gguf", str(path), requested)
        raise ModelUnavailable(f"{path} is a file but not a .gguf model file. {_advice()}")
    if (path / "config.json").is_file():
        return ModelSource("dir", str(path), requested)
    ggufs = sorted(path.glob("*.gguf"))
    if ggufs:
        return ModelSource("gguf", str(ggufs[0]), requested)
    raise ModelUnavailable(
        f"{path} holds no model (no config.json and no .gguf file). {_advice()}"
    )


def _advice() -> str:
    return "To fix: " + WHAT_TO_DO + "."


def _hub_cache_dir(repo_id: str) -> str | None:
    """The cached snapshot directory of ``repo_id`` when it is complete enough to load."""
    try:
        from huggingface_hub import snapshot_download

        folder = snapshot_download(repo_id, local_files_only=True, allow_patterns=HUB_PATTERNS)
    except Exception:  # noqa: BLE001 - any failure here just means "not cached"
        return None
    return folder if (Path(folder) / "config.json").is_file() else None


def _modelscope_dir(model_id: str) -> str:
    try:
        from modelscope import snapshot_download  # type: ignore[import-not-found]
    except ImportError:
        raise ModelUnavailable(
            f"modelscope:{model_id} needs the optional ModelScope client: `pip install modelscope`; "
            f"or {WHAT_TO_DO}."
        ) from None
    try:
        return str(snapshot_download(model_id))
    except Exception as exc:  # noqa: BLE001 - the client's errors vary by version; all mean "not here"
        raise ModelUnavailable(
            f"could not get modelscope:{model_id} from ModelScope's cache or hub ({exc}). {_advice()}"
        ) from None


def resolve_source(source: str, settings: Settings) -> ModelSource:
    """Turn what the user asked for into a local directory/file, or a hub id to download.

    Order: an existing path; ``settings.models_dir`` (``resolve_model``: the ``docqa download --to``
    layout); the Hugging Face cache; then, for a hub id, the hub itself when allowed and reachable.
    """
    source = (source or DEFAULT_LLM).strip()
    local = resolve_model(source, settings.models_dir)
    if Path(local).expanduser().exists():
        return _local_source(Path(local).expanduser(), source)
    if source.startswith("modelscope:"):
        return _local_source(Path(_modelscope_dir(source.split(":", 1)[1])), source)
    if _looks_like_path(source):
        raise ModelUnavailable(f"model path {source} does not exist. {_advice()}")
    cached = _hub_cache_dir(source)
    if cached:
        return ModelSource("dir", cached, source)
    looked = f"{settings.models_dir}/{source.split('/')[-1]} and the Hugging Face cache"
    if hub_offline():
        raise ModelUnavailable(
            f"model {source} is not on this machine (looked in {looked}) and HF_HUB_OFFLINE is set. {_advice()}"
        )
    if not hub_reachable():
        raise ModelUnavailable(
            f"model {source} is not on this machine (looked in {looked}) and the model hub cannot be "
            f"reached. {_advice()}"
        )
    return ModelSource("hub", source, source)


# ---------------------------------------------------------------- loading


def download_hub_snapshot(repo_id: str) -> str:
    from huggingface_hub import snapshot_download

    try:
        return snapshot_download(repo_id, allow_patterns=HUB_PATTERNS)
    except Exception as exc:  # noqa: BLE001 - network/auth/not-found all end the same way for a user
        raise ModelUnavailable(f"could not download {repo_id} ({type(exc).__name__}: {exc}). {_advice()}") from None


def load_weights(src: ModelSource, dtype: "Any") -> tuple[Any, Any]:
    """(tokenizer, model) on CPU in ``dtype``, eval mode. Loads straight into ``dtype`` so a bf16
    checkpoint never passes through an fp32 copy (peak RSS)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    location = download_hub_snapshot(src.location) if src.kind == "hub" else src.location
    kwargs: dict[str, Any] = {"local_files_only": True}
    try:
        if src.kind == "gguf":
            # transformers dequantises GGUF tensors on load (~45 s, ~3 GB peak for Qwen 0.5B Q4_K_M);
            # the tokenizer and chat template come from the GGUF metadata.
            folder, name = os.path.split(os.path.abspath(location))
            tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=name, **kwargs)
            model = AutoModelForCausalLM.from_pretrained(folder, gguf_file=name, dtype=dtype, **kwargs)
        else:
            tokenizer = AutoTokenizer.from_pretrained(location, **kwargs)
            model = AutoModelForCausalLM.from_pretrained(location, dtype=dtype, **kwargs)
    except ModelUnavailable:
        raise
    except ImportError as exc:
        raise ModelUnavailable(f"cannot load {src.requested}: {exc}") from None
    except (OSError, ValueError) as exc:
        hint = " (`pip install accelerate` is needed to load .gguf files)" if "accelerate" in str(exc) else ""
        raise ModelUnavailable(f"cannot load {src.requested} from {location}: {exc}{hint}. {_advice()}") from None
    model.eval()
    if getattr(tokenizer, "chat_template", None) is None:
        raise ModelUnavailable(
            f"{src.requested} has no chat template; docqa needs an instruct/chat model "
            "(e.g. Qwen/Qwen2.5-0.5B-Instruct)."
        )
    return tokenizer, model
