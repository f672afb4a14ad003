"""Generation speed on CPU for a fixed ~1,200-token reference prompt, and a decoding comparison.

    python bench/bench_generation.py --model /path/to/qwen-dir [--dtype auto|bf16|fp32] [--runs 3]
        [--variants sdpa,eager,int8] [--gguf FILE.gguf] [--max-new-tokens 128] [--prompt-lookup N]
    python bench/bench_generation.py --model /path/to/qwen-dir --compare-decoding

Each configuration runs in its own subprocess, so peak RSS (ru_maxrss) is that configuration's own,
and is reported against the fp32 baseline measured in the same invocation (ratios, not absolutes,
are what survive a busy machine). Per configuration: load time, time to first token (prompt
prefill + first decode step), decode tokens/s (after the first token), whole-answer time, peak RSS;
medians over ``--runs`` after one short warm-up generation. With ``llama_cpp`` importable and a
GGUF file given, the same prompt runs through llama.cpp too.

``--compare-decoding`` runs grounded Chinese and English questions under several decoding settings
and prints each answer with a loop measure (share of repeated 8-character windows).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SYSTEM = (
    "You are a helpful HR assistant for Contoso. Answer the question using only the numbered "
    "passages below, in two to four full sentences, and mention the passage number you used, like "
    "[1]. If the passages do not contain the answer, say that the documents do not say."
)

PASSAGES: tuple[tuple[str, str], ...] = (
    (
        "Employee_Handbook.pdf, page 12",
        "Annual leave. Full-time employees accrue annual leave at a rate of 1.25 days per month of "
        "continuous service, for a total of 15 working days per calendar year. Part-time employees "
        "accrue leave pro rata to their contracted hours. Leave accrual begins on the first day of "
        "employment, but leave may not be taken during the first three months of the probation "
        "period except with the written approval of the department head. Up to five unused days may "
        "be carried over into the following calendar year; carried-over days must be used by 31 "
        "March or they are forfeited. Requests for leave of more than five consecutive working days "
        "must be submitted through the HR portal at least four weeks in advance. Managers must "
        "respond to a leave request within five working days; a request that receives no response "
        "within that time is deemed approved. On termination of employment, accrued but untaken "
        "leave is paid out at the employee's base daily rate.",
    ),
    (
        "Employee_Handbook.pdf, page 13",
        "Sick leave. Employees are entitled to ten days of paid sick leave per calendar year. A "
        "medical certificate from a registered practitioner is required for any absence of more "
        "than three consecutive working days, and for any sick leave taken immediately before or "
        "after a public holiday or a period of annual leave. Unused sick leave does not carry over "
        "and is not paid out on termination. Employees who exhaust their paid sick leave may apply "
        "for up to 60 days of unpaid medical leave; the company will continue its contributions to "
        "the health plan during that period. Employees must notify their manager of an absence due "
        "to illness before the start of the working day, or as soon as practicable. Repeated "
        "unexplained absences may be referred to the occupational health service.",
    ),
    (
        "Northwind_Standard_Benefits_Details.pdf, page 7",
        "Balance billing protection. When you receive covered services from an in-network provider, "
        "the provider has agreed to accept Northwind's allowed amount as payment in full, minus your "
        "copayment, coinsurance and deductible. In-network providers may not bill you for the "
        "difference between their charge and the allowed amount; this practice is known as balance "
        "billing. If you receive emergency services from an out-of-network provider, or services "
        "from an out-of-network provider at an in-network facility without your consent, you are "
        "protected from balance billing and your cost share is calculated as if the provider were "
        "in network. You should contact Northwind customer service if you receive a bill that you "
        "believe violates these protections. Balance billing protection does not apply to "
        "non-emergency services that you choose to receive from an out-of-network provider after "
        "signing a written consent that waives the protection.",
    ),
    (
        "Travel_Policy.docx, section Expenses > Reimbursement",
        "Travel expenses. Economy class must be booked for all flights of less than six hours; "
        "premium economy is allowed for longer flights with the approval of a vice president. "
        "Hotel costs are reimbursed up to the city limit published in the travel portal; the limit "
        "for most cities is 180 USD per night. Meals are reimbursed at actual cost up to a daily "
        "allowance of 60 USD, and alcohol is never reimbursed. Expense claims must be submitted "
        "within 30 days of the end of the trip, with itemised receipts for every expense over 25 "
        "USD. Claims submitted more than 90 days after the trip are rejected. Reimbursement is paid "
        "with the next monthly salary after the claim has been approved by the line manager and "
        "checked by finance.",
    ),
    (
        "Remote_Work_Policy.docx, section Eligibility",
        "Remote work. Employees who have completed their probation period may work remotely for up "
        "to two days per week with their manager's agreement, recorded in the HR portal. Roles that "
        "require on-site presence, such as reception, facilities and laboratory staff, are not "
        "eligible. Remote workers must be reachable during core hours, 10:00 to 16:00 local time, "
        "and must use the company VPN for all work systems. The company provides a laptop and, on "
        "request, a monitor and a chair for the home office; other equipment is not reimbursed. "
        "Working from another country requires prior approval from HR and legal, and is limited to "
        "twenty working days per calendar year.",
    ),
    (
        "员工手册.docx，第三章 > 第二节 试用期",
        "第十三条 新入职员工的试用期为三个月。试用期内，员工享受与正式员工相同的工资待遇和社会保险，"
        "但不享受年度绩效奖金。试用期满前十个工作日，直属经理应对员工进行考核，考核合格的，"
        "自试用期满之日起转为正式员工；考核不合格的，公司可以延长试用期一次，延长期限不超过三个月。"
        "试用期内员工提出辞职的，应提前三日书面通知公司；转正后提出辞职的，应提前三十日书面通知公司。",
    ),
    (
        "考勤管理制度.pdf，第 4 页",
        "第二十一条 员工加班须事先填写加班申请单，经部门负责人批准后方可安排。工作日加班的，"
        "按照不低于工资的百分之一百五十支付加班工资；休息日加班又不能安排补休的，按照不低于工资的"
        "百分之二百支付加班工资；法定节假日加班的，按照不低于工资的百分之三百支付加班工资。"
        "每月加班时间累计不得超过三十六小时。",
    ),
)

QUESTION = (
    "I joined the company two months ago. How many days of annual leave do I get each year, when "
    "can I start taking it, and what happens to days I do not use by the end of the year?"
)


def reference_messages() -> list[dict[str, str]]:
    """The fixed reference prompt: a system turn and six labelled passages with a question."""
    numbered = "\n\n".join(f"[{i}] ({label})\n{text}" for i, (label, text) in enumerate(PASSAGES, 1))
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"Passages:\n\n{numbered}\n\nQuestion: {QUESTION}"},
    ]


def _passage(label_part: str) -> str:
    return next(text for label, text in PASSAGES if label_part in label)


# Grounded prompts for the decoding comparison: short passages, answerable questions, both languages.
DECODING_CASES: tuple[tuple[str, str, str], ...] = (
    ("zh-probation", _passage("试用期"), "试用期是多长时间？考核不合格会怎样？"),
    ("zh-overtime", _passage("考勤"), "休息日加班的工资怎么计算？每月最多可以加班多少小时？"),
    ("zh-leave", "第十条 员工连续工作满一年的，每年享受带薪年休假五天；满十年的，年休假十天；满二十年的，"
     "年休假十五天。年休假一般不跨年度安排，确因工作需要跨年度安排的，应经分管领导批准。"
     "第十一条 员工请病假须提供二级以上医院出具的病假证明。", "工作满十年的员工有几天年假？年假可以跨年度吗？"),
    ("en-leave", _passage("page 12"), QUESTION),
    ("en-balance", _passage("Northwind"), "What protection does Northwind offer against balance billing?"),
    ("en-travel", _passage("Travel"), "What is the deadline for submitting an expense claim, and what receipts are needed?"),
)

DECODINGS: dict[str, dict[str, Any]] = {
    "greedy": {"repetition_penalty": 1.0},
    "greedy rp1.1 (prompt too)": {"repetition_penalty": 1.1, "penalize_prompt": True},
    "greedy nr4 (prompt too)": {"repetition_penalty": 1.0, "no_repeat_ngram_size": 4, "penalize_prompt": True},
    "greedy rp1.1 answer-only": {"repetition_penalty": 1.1},
    "greedy rp1.1+nr6 answer-only": {"repetition_penalty": 1.1, "no_repeat_ngram_size": 6},
    "sample t0.3 rp1.05 answer-only": {"do_sample": True, "temperature": 0.3, "top_p": 0.8,
                                       "repetition_penalty": 1.05, "seed": 0},
}


def loop_share(text: str, window: int = 8) -> float:
    """Share of ``window``-character windows that occur more than once: ~0 for prose, high for a
    reply that repeats itself ("根据第十三条…根据第十三条…")."""
    compact = "".join(text.split())
    grams = [compact[i : i + window] for i in range(max(0, len(compact) - window + 1))]
    if not grams:
        return 0.0
    counts: dict[str, int] = {}
    for g in grams:
        counts[g] = counts.get(g, 0) + 1
    return sum(c for c in counts.values() if c > 1) / len(grams)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# ---------------------------------------------------------------- one configuration (subprocess)


def worker(args: argparse.Namespace) -> dict[str, Any]:
    import torch

    from ingest.settings import Settings
    from rag.generation import Decoding, load_llm

    settings = Settings(threads=args.threads) if args.threads else Settings()
    started = time.monotonic()
    # int8: the product's own loading path (bf16 weights, Linear layers quantised one at a time)
    llm = load_llm(args.model, settings, dtype="int8" if args.quant == "int8" else args.dtype)
    if args.attn:
        llm.model.set_attn_implementation(args.attn)
    load_s = time.monotonic() - started
    rss_loaded = peak_rss_mb()
    messages = reference_messages()
    # The product's decoding; --prompt-lookup 0 measures plain token-by-token greedy decoding
    # (every figure in bench/results/generation.md before 2026-12-06).
    decoding = Decoding(repetition_penalty=1.1, prompt_lookup_tokens=args.prompt_lookup)
    llm.generate([{"role": "user", "content": "Hi"}], max_new_tokens=2, decoding=decoding)  # warm-up
    runs = []
    answer = ""
    for _ in range(args.runs):
        answer, stats = llm.generate(messages, max_new_tokens=args.max_new_tokens, decoding=decoding)
        runs.append(stats)
    return {
        "dtype": llm.dtype,
        "variant": args.label,
        "threads": torch.get_num_threads(),
        "prompt_tokens": runs[0].prompt_tokens,
        "completion_tokens": [r.completion_tokens for r in runs],
        "load_s": load_s,
        "first_token_s": statistics.median(r.first_token_s or 0.0 for r in runs),
        "decode_tok_s": statistics.median(r.decode_tokens_per_s or 0.0 for r in runs),
        "total_s": statistics.median(r.total_s for r in runs),
        # every run, so the first one after loading (oneDNN builds its kernels for the long
        # prompt's shapes then) is visible next to the median
        "runs_first_token_s": [round(r.first_token_s or 0.0, 2) for r in runs],
        "runs_decode_tok_s": [round(r.decode_tokens_per_s or 0.0, 2) for r in runs],
        "rss_after_load_mb": rss_loaded,
        "peak_rss_mb": peak_rss_mb(),
        "answer": answer,
    }


def llama_worker(args: argparse.Namespace) -> dict[str, Any]:
    from llama_cpp import Llama  # type: ignore[import-not-found]

    threads = args.threads or os.cpu_count() or 1
    started = time.monotonic()
    llm = Llama(model_path=args.gguf, n_ctx=4096, n_threads=threads, verbose=False)
    load_s = time.monotonic() - started
    runs = []
    for _ in range(args.runs):
        t0 = time.monotonic()
        first = None
        n = 0
        for chunk in llm.create_chat_completion(reference_messages(), max_tokens=args.max_new_tokens,
                                                temperature=0.0, repeat_penalty=1.1, stream=True):
            if chunk["choices"][0]["delta"].get("content"):
                n += 1
                first = first or time.monotonic()
        end = time.monotonic()
        llm.reset()  # no prompt-cache reuse between runs: every run pays the full prefill
        runs.append((first - t0 if first else 0.0, (n - 1) / (end - first) if first and n > 1 else 0.0, end - t0))
    return {
        "dtype": "gguf", "variant": "llama.cpp", "threads": threads, "load_s": load_s,
        "prompt_tokens": len(llm.tokenize(str(reference_messages()).encode())),
        "first_token_s": statistics.median(r[0] for r in runs),
        "decode_tok_s": statistics.median(r[1] for r in runs),
        "total_s": statistics.median(r[2] for r in runs),
        "peak_rss_mb": peak_rss_mb(), "completion_tokens": [],
    }


# ---------------------------------------------------------------- driver


def run_config(args: argparse.Namespace, dtype: str, variant: str = "", llama: bool = False) -> dict[str, Any] | None:
    cmd = [sys.executable, __file__, "--worker", "--model", args.model, "--dtype", dtype,
           "--runs", str(args.runs), "--max-new-tokens", str(args.max_new_tokens), "--label", variant or dtype,
           "--prompt-lookup", str(args.prompt_lookup)]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    if variant in ("eager", "sdpa"):
        cmd += ["--attn", variant]
    if variant == "int8":
        cmd += ["--quant", "int8"]
    if llama:
        cmd = [sys.executable, __file__, "--llama-worker", "--gguf", args.gguf, "--model", args.model,
               "--runs", str(args.runs), "--max-new-tokens", str(args.max_new_tokens)]
    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        print(f"  {variant or dtype}: failed\n{proc.stderr[-2000:]}", file=sys.stderr)
        return None
    return json.loads(proc.stdout.strip().splitlines()[-1])


def report(results: list[dict[str, Any]]) -> None:
    base = next((r for r in results if r["variant"] == "fp32"), results[0])
    print(f"\n{'config':<12} {'load s':>7} {'first tok s':>11} {'decode tok/s':>12} {'answer s':>9} "
          f"{'peak RSS MB':>11}  vs fp32 (first / decode / RSS)")
    for r in results:
        ratio = (f"x{r['first_token_s'] / base['first_token_s']:.2f} / x{r['decode_tok_s'] / base['decode_tok_s']:.2f}"
                 f" / x{r['peak_rss_mb'] / base['peak_rss_mb']:.2f}") if base["first_token_s"] and base["decode_tok_s"] else "-"
        print(f"{r['variant']:<12} {r['load_s']:>7.1f} {r['first_token_s']:>11.2f} {r['decode_tok_s']:>12.2f} "
              f"{r['total_s']:>9.2f} {r['peak_rss_mb']:>11.0f}  {ratio}  tokens={r['completion_tokens']}")
    for r in results:
        if r.get("runs_first_token_s"):
            print(f"  {r['variant']}: per run, first token s {r['runs_first_token_s']}, decode tok/s {r['runs_decode_tok_s']}")


def compare_decoding(args: argparse.Namespace) -> None:
    from ingest.settings import Settings
    from rag.generation import Decoding, load_llm

    llm = load_llm(args.model, Settings(), dtype=args.dtype)
    system_zh = "你是一个严谨的助手。只根据给出的资料回答问题，回答简短，并在句末标注资料编号，如[1]。资料中没有答案时，直接说资料中没有相关信息。"
    system_en = SYSTEM
    summary: dict[str, list[float]] = {name: [] for name in DECODINGS}
    wanted = [c for c in args.cases.split(",") if c]
    for case, passage, question in DECODING_CASES:
        if wanted and not any(case.startswith(w) for w in wanted):
            continue
        zh = case.startswith("zh")
        messages = [
            {"role": "system", "content": system_zh if zh else system_en},
            {"role": "user", "content": (f"资料：\n[1] {passage}\n\n问题：{question}" if zh
                                         else f"Passages:\n[1] {passage}\n\nQuestion: {question}")},
        ]
        print(f"\n=== {case}: {question}")
        for name, params in DECODINGS.items():
            text, stats = llm.generate(messages, max_new_tokens=args.max_new_tokens, decoding=Decoding(**params))
            share = loop_share(text)
            summary[name].append(share)
            print(f"--- {name}: {stats.completion_tokens} tokens, stop={stats.stopped_reason}, loop={share:.2f}, "
                  f"{stats.total_s:.1f} s\n{text.strip()}")
    print("\nmean loop share per decoding:")
    for name, shares in summary.items():
        if not shares:
            continue
        print(f"  {name:<26} {statistics.mean(shares):.3f}  (max {max(shares):.2f})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="model directory, .gguf file or hub id")
    parser.add_argument("--dtype", default="auto", choices=["auto", "bf16", "fp32"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-new-tokens", type=int, default=128)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (default: physical cores)")
    parser.add_argument("--variants", default="", help="extra configs on top of --dtype: sdpa,eager,int8")
    parser.add_argument("--gguf", default="", help="GGUF file for the llama.cpp comparison")
    parser.add_argument("--compare-decoding", action="store_true")
    parser.add_argument("--cases", default="", help="--compare-decoding: case name prefixes, e.g. en-,zh-leave")
    parser.add_argument("--prompt-lookup", type=int, default=None,
                        help="prompt-lookup decoding tokens (default: the product's, rag.decoding; 0 = off)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--llama-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--attn", default="", help=argparse.SUPPRESS)
    parser.add_argument("--quant", default="", help=argparse.SUPPRESS)
    parser.add_argument("--label", default="", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.prompt_lookup is None:
        from rag.decoding import DEFAULT_DECODING

        args.prompt_lookup = DEFAULT_DECODING.prompt_lookup_tokens

    if args.worker:
        print(json.dumps(worker(args), ensure_ascii=False))
        return 0
    if args.llama_worker:
        print(json.dumps(llama_worker(args)))
        return 0
    if args.compare_decoding:
        compare_decoding(args)
        return 0

    from transformers import AutoTokenizer

    from ingest.settings import Settings
    from rag.llm_loading import choose_dtype, resolve_source

    src = resolve_source(args.model, Settings())
    if src.kind == "dir":
        tokenizer = AutoTokenizer.from_pretrained(src.location)
        n = len(tokenizer.apply_chat_template(reference_messages(), add_generation_prompt=True, return_dict=False))
        print(f"reference prompt: {n} tokens (chat template of {args.model})")
    load = os.getloadavg()
    print(f"{time.strftime('%Y-%m-%d %H:%M')}  {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    resolved = "bf16" if "bfloat16" in str(choose_dtype(args.dtype)) else "fp32"
    configs: list[tuple[str, str]] = [("fp32", "fp32")]
    if resolved != "fp32":
        configs.append((resolved, resolved))
    for variant in filter(None, args.variants.split(",")):
        configs.append(("bf16" if variant == "int8" else resolved, variant))  # int8 is quantised from bf16
    results = []
    for dtype, variant in configs:
        print(f"running {variant} ...", flush=True)
        result = run_config(args, dtype, variant)
        if result:
            results.append(result)
            print(f"  answer: {result['answer'][:300]!r}")
    import importlib.util

    if importlib.util.find_spec("llama_cpp") is None:
        print("llama_cpp is not importable here: no llama.cpp comparison (pip install llama-cpp-python)")
    else:
        if args.gguf:
            print("running llama.cpp ...", flush=True)
            result = run_config(args, "gguf", llama=True)
            if result:
                results.append(result)
        else:
            print("llama_cpp is importable; pass --gguf FILE for the llama.cpp comparison")
    if results:
        report(results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
