"""Builders for tiny, random, real-architecture models used by the tests (no downloads).

Both builders write a directory that the production loaders open exactly as they open real weights:
``AutoTokenizer`` / ``AutoModelForCausalLM.from_pretrained(dir)`` for the chat model and
``SentenceTransformer(dir)`` for the embedder. The weights are random, so the text they produce is
noise; what the tests exercise is the loading, templating, tokenising, streaming and stopping code.

Everything is seeded, so two builds give byte-identical tokenizers and equal weights.
"""
from __future__ import annotations

from pathlib import Path

# A small bilingual corpus: enough for BPE / WordPiece to learn whole English words and common
# Chinese characters, so token counts in tests look like real text rather than raw bytes.
CORPUS: tuple[str, ...] = (
    "Employees are entitled to fifteen days of annual leave per calendar year.",
    "Sick leave requires a medical certificate after three consecutive days.",
    "The probation period is three months and may be extended once.",
    "Travel expenses are reimbursed within thirty days of submitting receipts.",
    "Dental and vision coverage are included in the standard benefits plan.",
    "Overtime must be approved in advance by the line manager.",
    "What is the notice period for resignation? The notice period is one month.",
    "Balance billing protection applies to in-network providers.",
    "The answer is not in the documents provided.",
    "员工每年享有十五天带薪年假。",
    "连续病假超过三天需要提供医院证明。",
    "试用期为三个月，可以延长一次。",
    "差旅费用在提交发票后三十天内报销。",
    "加班必须事先得到直属经理的批准。",
    "根据第十三条规定，员工辞职应提前一个月书面通知公司。",
    "本制度自发布之日起施行，由人力资源部负责解释。",
    "文件中没有找到相关信息。",
    "用户：请问年假有多少天？助手：根据文件，年假为十五天。",
    "positive negative neutral 正面 负面 中性 good bad 好 坏",
)

QWEN_SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")

# Qwen2.5's ChatML template, reduced to what docqa uses (no tools): a default system turn when the
# conversation has none, each turn as <|im_start|>role\n...<|im_end|>\n, and the assistant header
# when add_generation_prompt is set.
QWEN_CHAT_TEMPLATE = (
    "{%- for message in messages %}"
    "{%- if loop.first and message['role'] != 'system' %}"
    "{{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}"
    "{%- endif %}"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)

QWEN_PRETOKENIZE_REGEX = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)

EMBED_PROMPTS = {"query": "query: ", "passage": "passage: "}


def _corpus(repeat: int = 4) -> list[str]:
    return list(CORPUS) * repeat


def build_tiny_qwen(out_dir: Path, *, vocab_size: int = 600, hidden_size: int = 64, seed: int = 0) -> Path:
    """A 2-layer Qwen2ForCausalLM with a byte-level BPE tokenizer and the ChatML template.

    The special tokens come first in the vocabulary (<|endoftext|> = 0, <|im_start|> = 1,
    <|im_end|> = 2); eos is <|im_end|> as in Qwen's instruct models, and generation stops on either
    <|im_end|> or <|endoftext|>.
    """
    import torch
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers
    from transformers import GenerationConfig, PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    bpe = Tokenizer(models.BPE())
    # Qwen2's own normaliser and pre-tokeniser (transformers' Qwen2Tokenizer), so the tiny tokenizer
    # splits text the way the real one does; only the learned merges differ.
    bpe.normalizer = normalizers.NFC()
    bpe.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN_PRETOKENIZE_REGEX), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=list(QWEN_SPECIAL_TOKENS),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    bpe.train_from_iterator(_corpus(), trainer=trainer)
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=["<|im_start|>", "<|im_end|>"],
        model_max_length=2048,
        clean_up_tokenization_spaces=False,
    )
    tokenizer.chat_template = QWEN_CHAT_TEMPLATE
    tokenizer.save_pretrained(out_dir)

    endoftext = tokenizer.convert_tokens_to_ids("<|endoftext|>")
    im_end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    config = Qwen2Config(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        intermediate_size=hidden_size * 2,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=2048,
        tie_word_embeddings=True,
        bos_token_id=endoftext,
        eos_token_id=im_end,
        pad_token_id=endoftext,
    )
    torch.manual_seed(seed)
    model = Qwen2ForCausalLM(config).eval()
    model.generation_config = GenerationConfig(
        bos_token_id=endoftext, eos_token_id=[im_end, endoftext], pad_token_id=endoftext
    )
    model.save_pretrained(out_dir, safe_serialization=True)
    return out_dir


def _wordpiece_vocab() -> dict[str, int]:
    """A WordPiece vocabulary built by rule, not trained: the trainer breaks count ties in hash
    order, so its vocabulary (and hence the weights' shape) changed from run to run.

    Specials, every character of the corpus (each CJK character is a whole token, as in BERT's
    Chinese handling), the corpus's lower-cased English words, and ``##`` + each ASCII letter/digit
    so unseen English words still tokenise into pieces instead of [UNK].
    """
    import re
    import string

    text = " ".join(CORPUS + ("query: passage:",)).lower()
    chars = sorted({c for c in text if not c.isspace()} | set(string.ascii_lowercase + string.digits + string.punctuation))
    words = sorted({w for w in re.findall(r"[a-z]+", text) if len(w) > 1})
    pieces = ["##" + c for c in string.ascii_lowercase + string.digits]
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars, *words, *pieces]
    return {tok: i for i, tok in enumerate(dict.fromkeys(tokens))}


def build_tiny_embedder(out_dir: Path, *, hidden_size: int = 64, max_seq_length: int = 128, seed: int = 0) -> Path:
    """A sentence-transformers directory: 2-layer BertModel + mean Pooling + Normalize.

    The WordPiece tokenizer splits Chinese into single characters (BERT's handle_chinese_chars) and
    English into lower-cased words/pieces. ``prompts`` carries E5's "query: " / "passage: " prefixes so
    ``encode(texts, prompt_name="query")`` behaves as with multilingual-e5-small.
    """
    import tempfile

    import torch
    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import Normalize, Pooling, Transformer
    from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import BertConfig, BertModel, PreTrainedTokenizerFast

    out_dir = Path(out_dir)
    vocab = _wordpiece_vocab()
    wordpiece = Tokenizer(models.WordPiece(vocab=vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    wordpiece.normalizer = normalizers.BertNormalizer(handle_chinese_chars=True, lowercase=True, strip_accents=False)
    wordpiece.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    wordpiece.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]",
        pair="[CLS] $A [SEP] $B:1 [SEP]:1",
        special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])],
    )
    wordpiece.decoder = decoders.WordPiece(prefix="##")
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=wordpiece,
        unk_token="[UNK]",
        sep_token="[SEP]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        mask_token="[MASK]",
        model_max_length=max_seq_length,
    )
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=hidden_size,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=hidden_size * 2,
        max_position_embeddings=max(256, max_seq_length),
        pad_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(seed)
    bert = BertModel(config, add_pooling_layer=False).eval()
    with tempfile.TemporaryDirectory() as hf_dir:
        bert.save_pretrained(hf_dir, safe_serialization=True)
        tokenizer.save_pretrained(hf_dir)
        transformer = Transformer(hf_dir, max_seq_length=max_seq_length)
        st = SentenceTransformer(
            modules=[transformer, Pooling(hidden_size, "mean"), Normalize()],
            prompts=dict(EMBED_PROMPTS),
            device="cpu",
        )
        st.save(str(out_dir))
    return out_dir


def build_tiny_qwen_gguf(hf_dir: Path, out_file: Path) -> Path:
    """The tiny Qwen2 of ``build_tiny_qwen`` written as a GGUF file (F32 tensors, llama.cpp tensor
    names, GPT-2-style BPE vocabulary and merges, the chat template in the metadata), the layout
    ``transformers`` reads with ``from_pretrained(folder, gguf_file=name)``."""
    import json

    import gguf
    from safetensors.numpy import load_file

    hf_dir, out_file = Path(hf_dir), Path(out_file)
    config = json.loads((hf_dir / "config.json").read_text())
    tokenizer = json.loads((hf_dir / "tokenizer.json").read_text())
    template = (hf_dir / "chat_template.jinja").read_text()

    vocab: dict[str, int] = dict(tokenizer["model"]["vocab"])
    specials = {t["content"]: t["id"] for t in tokenizer["added_tokens"]}
    vocab.update(specials)
    tokens = [tok for tok, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    merges = [m if isinstance(m, str) else " ".join(m) for m in tokenizer["model"]["merges"]]

    writer = gguf.GGUFWriter(str(out_file), "qwen2")
    writer.add_name("tiny-qwen2")
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_head_count(config["num_attention_heads"])
    writer.add_head_count_kv(config["num_key_value_heads"])
    writer.add_rope_freq_base(config["rope_parameters"]["rope_theta"])
    writer.add_layer_norm_rms_eps(config["rms_norm_eps"])
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("qwen2")
    writer.add_token_list(tokens)
    writer.add_token_types(
        [gguf.TokenType.CONTROL if t in specials else gguf.TokenType.NORMAL for t in tokens]
    )
    writer.add_token_merges(merges)
    writer.add_bos_token_id(config["bos_token_id"])
    writer.add_eos_token_id(config["eos_token_id"])
    writer.add_pad_token_id(config["pad_token_id"])
    writer.add_chat_template(template)

    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.QWEN2, config["num_hidden_layers"])
    for hf_name, array in load_file(str(hf_dir / "model.safetensors")).items():
        gguf_name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        if gguf_name is None:
            raise ValueError(f"no GGUF name for {hf_name}")
        writer.add_tensor(gguf_name, array.astype("float32"))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out_file
