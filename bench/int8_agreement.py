"""How closely does dynamic int8 follow fp32? Teacher-forced top-1 agreement on real prompts.

fp32 answers each prompt greedily; each int8 variant then reads the same prompt + answer and we
count the answer positions where its most likely next token is fp32's. Greedy decoding follows
the first disagreement into a different answer, so this predicts answer drift in minutes instead
of a full `docqa eval`. Prompts are built from `docqa eval --out` records (question + the passages
retrieved for it), in the product's system prompt and passage format.

    python bench/int8_agreement.py --model /work/models/qwen2.5-coder-0.5b-instruct \\
        --records contoso.jsonl domainrag.jsonl --per-file 6 \\
        --variant all= --variant head=lm_head --variant head,down=lm_head,down_proj --variant down=down_proj
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.settings import physical_cores  # noqa: E402
from rag.llm_loading import quantize_int8  # noqa: E402
from rag.prompting import SYSTEM  # noqa: E402

HEADERS = {"en": ("Passages:", "Question:"), "zh": ("资料：", "问题：")}


def prompts_from_records(paths: list[Path], per_file: int, passages: int) -> list[list[dict[str, str]]]:
    out = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines()[:per_file]:
            record = json.loads(line)
            question, lang = record["question"]["question"], record["question"]["lang"]
            blocks = [f"[{i + 1}] ({p['doc']})\n{p['text']}" for i, p in enumerate(record["retrieved"][:passages])]
            head, ask = HEADERS[lang]
            user = f"{head}\n\n" + "\n\n".join(blocks) + f"\n\n{ask} {question}"
            out.append([{"role": "system", "content": SYSTEM[lang]}, {"role": "user", "content": user}])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="a local transformers model directory")
    parser.add_argument("--records", type=Path, nargs="+", required=True, help="docqa eval --out files")
    parser.add_argument("--per-file", type=int, default=6)
    parser.add_argument("--passages", type=int, default=4)
    parser.add_argument("--max-new-tokens", type=int, default=48)
    parser.add_argument("--variant", action="append", default=[],
                        help="NAME=LAYER,LAYER: Linear layers (name suffixes) kept fp32; repeatable")
    args = parser.parse_args()

    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.set_num_threads(physical_cores())
    tokenizer = AutoTokenizer.from_pretrained(args.model)
    chats = prompts_from_records(args.records, args.per_file, args.passages)
    reference = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.float32).eval()
    sequences = []
    for chat in chats:
        ids = tokenizer.apply_chat_template(chat, add_generation_prompt=True, return_tensors="pt", return_dict=True)["input_ids"]
        with torch.inference_mode():
            out = reference.generate(ids, max_new_tokens=args.max_new_tokens, do_sample=False, repetition_penalty=1.1)
        sequences.append((ids.shape[1], out))
    del reference
    print(f"{len(chats)} prompts, {sum(o.shape[1] - n for n, o in sequences)} fp32 answer tokens")
    for spec in args.variant or ["all="]:
        name, _, layers = spec.partition("=")
        skip = tuple(layer for layer in layers.split(",") if layer)
        model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.bfloat16).eval()
        quantize_int8(model, skip=skip)
        agree = total = 0
        started = time.perf_counter()
        for prompt_len, out in sequences:
            with torch.inference_mode():
                logits = model(out).logits[0]
            predicted = logits[prompt_len - 1 : out.shape[1] - 1].argmax(-1)
            agree += int((predicted == out[0, prompt_len:]).sum())
            total += out.shape[1] - prompt_len
        print(f"int8, fp32 kept for [{', '.join(skip) or 'none'}] ({name}): agreement {agree / total:.3f} "
              f"over {total} tokens ({time.perf_counter() - started:.0f} s)")
        del model
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
