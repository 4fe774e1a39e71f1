"""Builds small tokenizer.json files with the Python `tokenizers` package and records the ids and
decoded text it gives for a varied text set, for HuggingFaceTokenizerTests to compare against.

usage: make_reference_tokenizers.py FAMILY OUTDIR
Writes OUTDIR/<name>.json (a tokenizer) for each tokenizer of the family and OUTDIR/cases.json:
{"tokenizers": [{"name", "cases": [{"text", "ids", "ids_no_special", "decoded", "decoded_skip"}],
                 "pairs": [{"a", "b", "ids", "type_ids", "attention_mask"}]}]}
"""
import json
import os
import sys

from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers

TEXTS = [
    "Hello world",
    "Hello, world! How are you today?",
    "  leading and trailing spaces  ",
    "multiple   spaces\tand\ttabs\t\tend",
    "new\nlines\n\n\nhere\r\nand there",
    "café naïve résumé Ångström coöperate",
    "日本語のテキスト 中文字符 한국어",
    "emoji 🤖🎉 👍🏽 family 👨‍👩‍👧 flags 🇫🇷",
    "digits 1234567 3.14159 2026-12-02 ½ ²",
    "punctuation: (a), [b]; {c}... \"quotes\" 'single' — dash – and … ellipsis",
    "don't can't I'm we've they're it's",
    "MiXeD CaSe WORDS",
    "",
    " ",
    "\n",
    "İstanbul ǅ ß ﬁ Σίσυφος",
    "a\u00a0b\u3000c\u200bd",
    "x" * 60,
    "unbelievably supercalifragilisticexpialidocious antidisestablishmentarianism",
    "$100 & 50% @user #tag <html> a+b=c ~tilde^ `code` a|b \\back",
]

CORPUS = TEXTS * 3 + [
    "The quick brown fox jumps over the lazy dog. " * 4,
    "It was the best of times, it was the worst of times, it was the age of wisdom.",
    "Tokenizers split text into pieces; models turn pieces into ids, and decoders reverse it.",
    "In 2026 there were 365 days, 12 months and 52 weeks; 1,000,000 is a million.",
    "Les élèves étudient à l'école; über die Straße gehen Müller und Schäfer.",
    "机器学习和自然语言处理 東京は日本の首都です。",
]


def special_texts(tokens):
    return [f"{tokens[0]}Hello{tokens[-1]}", f"start {tokens[0]} middle {tokens[-1]} end", f"{tokens[-1]}{tokens[-1]} x{tokens[0]}y"]


def record(name, tok, outdir, texts, pairs=()):
    path = os.path.join(outdir, name + ".json")
    tok.save(path)
    tok = Tokenizer.from_file(path)  # what is compared is what the file says
    cases = []
    for text in texts:
        enc = tok.encode(text)
        plain = tok.encode(text, add_special_tokens=False)
        cases.append({
            "text": text,
            "ids": enc.ids,
            "ids_no_special": plain.ids,
            "decoded": tok.decode(enc.ids, skip_special_tokens=False),
            "decoded_skip": tok.decode(enc.ids, skip_special_tokens=True),
        })
    pair_cases = []
    for a, b in pairs:
        enc = tok.encode(a, b)
        pair_cases.append({"a": a, "b": b, "ids": enc.ids, "type_ids": enc.type_ids, "attention_mask": enc.attention_mask})
    batch = []
    if tok.padding is not None:
        for enc in tok.encode_batch(texts[:8]):
            batch.append({"ids": enc.ids, "attention_mask": enc.attention_mask})
    return {"name": name, "cases": cases, "pairs": pair_cases, "batch": batch}


def byte_level_bpe(outdir):
    out = []
    for prefix in (False, True):
        tok = Tokenizer(models.BPE())
        tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=prefix)
        tok.decoder = decoders.ByteLevel()
        tok.post_processor = processors.ByteLevel(trim_offsets=True)
        trainer = trainers.BpeTrainer(vocab_size=700, special_tokens=["<|endoftext|>"],
                                      initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
        tok.train_from_iterator(CORPUS, trainer)
        out.append(record(f"gpt2-prefix-{prefix}", tok, outdir, TEXTS + special_texts(["<|endoftext|>"])))
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=700, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(CORPUS, trainer)
    tok.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0))
    tok.enable_padding(pad_id=1, pad_token="<pad>", direction="left", pad_to_multiple_of=8)
    pairs = [("Hello world", "How are you?"), (TEXTS[5], TEXTS[7])]
    out.append(record("roberta", tok, outdir, TEXTS + special_texts(["<s>", "</s>", "<mask>"]), pairs))
    return out


def unigram(outdir):
    out = []
    for byte_fallback in (False, True):
        tok = Tokenizer(models.Unigram())
        tok.normalizer = normalizers.NFKC()
        tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
        tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
        trainer = trainers.UnigramTrainer(vocab_size=400, special_tokens=["<unk>", "<s>", "</s>"], unk_token="<unk>",
                                          show_progress=False)
        tok.train_from_iterator(CORPUS, trainer)
        data = json.loads(tok.to_str())
        vocab = [tuple(v) for v in data["model"]["vocab"]]
        if byte_fallback:
            vocab += [(f"<0x{b:02X}>", -20.0) for b in range(256)]
        model = models.Unigram(vocab, unk_id=0, byte_fallback=byte_fallback)
        tok2 = Tokenizer(model)
        tok2.normalizer = normalizers.NFKC()
        tok2.pre_tokenizer = tok.pre_tokenizer
        if byte_fallback:
            tok2.decoder = decoders.Sequence([decoders.Metaspace(replacement="▁", prepend_scheme="always"), decoders.ByteFallback(), decoders.Fuse()])
        else:
            tok2.decoder = tok.decoder
        tok2.add_special_tokens(["<s>", "</s>"])
        tok2.post_processor = processors.TemplateProcessing(single="<s> $A </s>", pair="<s> $A </s> $B </s>",
                                                            special_tokens=[("<s>", 1), ("</s>", 2)])
        out.append(record(f"unigram-byte-fallback-{byte_fallback}", tok2, outdir, TEXTS + special_texts(["<s>", "</s>"])))
    # The first-only scheme, without splitting, as newer SentencePiece conversions write it.
    tok = Tokenizer.from_str(json.dumps(json.loads(Tokenizer.from_file(os.path.join(outdir, "unigram-byte-fallback-True.json")).to_str())))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    out.append(record("unigram-metaspace-first", tok, outdir, TEXTS + special_texts(["<s>", "</s>"])))
    return out


def sentencepiece_bpe(outdir):
    """Llama 2 style: BPE over ▁-escaped text without pre-tokenizer, byte fallback, fused unknowns."""
    tok = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tok.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    trainer = trainers.BpeTrainer(vocab_size=600, special_tokens=["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)],
                                  show_progress=False)
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="first", split=False)
    tok.train_from_iterator(CORPUS, trainer)
    tok.pre_tokenizer = None
    tok.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(), decoders.Strip(" ", 1, 0)])
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", pair="<s> $A <s> $B", special_tokens=[("<s>", 1)])
    return [record("llama2-bpe-byte-fallback", tok, outdir, TEXTS + special_texts(["<s>", "</s>"]))]


def wordpiece(outdir):
    out = []
    settings = [
        (True, None, dict(max_length=24), dict(pad_id=0, pad_token="[PAD]")),
        (False, None, dict(max_length=20, strategy="only_first", direction="left"), dict(pad_id=0, pad_token="[PAD]", length=32)),
        (True, False, dict(max_length=16, stride=4), dict(pad_id=0, pad_token="[PAD]", direction="left", pad_to_multiple_of=8)),
        (False, True, None, None),
    ]
    for lowercase, strip, truncation, padding in settings:
        tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=40))
        tok.normalizer = normalizers.BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=strip, lowercase=lowercase)
        tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
        tok.decoder = decoders.WordPiece(prefix="##")
        trainer = trainers.WordPieceTrainer(vocab_size=600, special_tokens=["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"],
                                            show_progress=False)
        tok.train_from_iterator(CORPUS, trainer)
        tok.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1",
                                                           special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
        if truncation:
            tok.enable_truncation(**truncation)
        if padding:
            tok.enable_padding(**padding)
        pairs = [("Hello world", "How are you?"), (TEXTS[1] * 3, "short"), ("short", TEXTS[9]), (TEXTS[9], TEXTS[18])]
        out.append(record(f"bert-lower-{lowercase}-strip-{strip}", tok, outdir, TEXTS + special_texts(["[CLS]", "[SEP]", "[MASK]"]),
                          pairs if not (truncation and "strategy" in truncation) else []))
    return out


LLAMA3_PATTERN = r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"


def llama3(outdir):
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
    tok = Tokenizer(models.BPE(ignore_merges=True))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=900, special_tokens=specials, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                  show_progress=False)
    tok.train_from_iterator(CORPUS, trainer)
    tok.add_tokens([AddedToken("<think>", normalized=False, special=False), AddedToken(" hello", single_word=True),
                    AddedToken("<tool>", lstrip=True, rstrip=True, special=True)])
    tok.post_processor = processors.Sequence([
        processors.ByteLevel(trim_offsets=False),
        processors.TemplateProcessing(single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|> $B:1",
                                      special_tokens=[("<|begin_of_text|>", 0)]),
    ])
    texts = TEXTS + special_texts(specials) + [
        "<|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
        "<think>reasoning</think> answer", "say hello hello there, ahello helloworld", "a   <tool>   b<tool>c",
    ]
    return [record("llama3", tok, outdir, texts)]


def components(outdir):
    """Pipelines that exercise the other normalizers, pre-tokenizers and decoders over one vocabulary."""
    out = []
    base = Tokenizer(models.BPE(unk_token="[UNK]", continuing_subword_prefix="##", end_of_word_suffix="</w>"))
    base.pre_tokenizer = pre_tokenizers.Whitespace()
    trainer = trainers.BpeTrainer(vocab_size=800, special_tokens=["[UNK]", "[PAD]"], continuing_subword_prefix="##",
                                  end_of_word_suffix="</w>", show_progress=False)
    base.train_from_iterator(CORPUS, trainer)
    configs = {
        "nfd-strip-lower-whitespace": (normalizers.Sequence([normalizers.NFD(), normalizers.StripAccents(), normalizers.Lowercase()]),
                                       pre_tokenizers.Whitespace(), decoders.BPEDecoder(suffix="</w>")),
        "nfkc-strip-whitespacesplit": (normalizers.Sequence([normalizers.NFKC(), normalizers.Strip()]),
                                       pre_tokenizers.WhitespaceSplit(), decoders.WordPiece(prefix="##", cleanup=False)),
        "nfkd-replace-regex-digits": (normalizers.Sequence([normalizers.NFKD(), normalizers.Replace(Regex(r"\s+"), " ")]),
                                      pre_tokenizers.Sequence([pre_tokenizers.WhitespaceSplit(), pre_tokenizers.Digits(individual_digits=True)]),
                                      None),
        "nfc-punctuation-digits": (normalizers.NFC(),
                                   pre_tokenizers.Sequence([pre_tokenizers.Whitespace(), pre_tokenizers.Punctuation(behavior="contiguous"),
                                                            pre_tokenizers.Digits(individual_digits=False)]),
                                   decoders.Sequence([decoders.BPEDecoder(suffix="</w>"), decoders.Strip(" ", 1, 1)])),
        "split-removed": (None, pre_tokenizers.Split(" ", behavior="removed"), decoders.Replace("##", "")),
        "split-merged-previous": (None, pre_tokenizers.Split(Regex(r"[,.!?;:]"), behavior="merged_with_previous"), None),
        "split-merged-next": (None, pre_tokenizers.Split(Regex(r"\s"), behavior="merged_with_next"), None),
        "split-contiguous": (None, pre_tokenizers.Split(Regex(r"[aeiou]"), behavior="contiguous"), None),
        "split-invert": (None, pre_tokenizers.Split(Regex(r"[a-z]+"), behavior="isolated", invert=True), None),
        "char-delimiter": (normalizers.Lowercase(), pre_tokenizers.CharDelimiterSplit("e"), None),
        "bert-pre": (normalizers.BertNormalizer(lowercase=False), pre_tokenizers.BertPreTokenizer(),
                     decoders.CTC(pad_token="[PAD]", word_delimiter_token="</w>", cleanup=True)),
    }
    for name, (norm, pre, dec) in configs.items():
        tok = Tokenizer.from_str(base.to_str())
        tok.normalizer = norm
        tok.pre_tokenizer = pre
        tok.decoder = dec
        out.append(record("components-" + name, tok, outdir, TEXTS))
    return out


FAMILIES = {"gpt2": byte_level_bpe, "unigram": unigram, "sentencepiece-bpe": sentencepiece_bpe, "wordpiece": wordpiece,
            "llama3": llama3, "components": components}

if __name__ == "__main__":
    family, outdir = sys.argv[1], sys.argv[2]
    os.makedirs(outdir, exist_ok=True)
    result = {"tokenizers": FAMILIES[family](outdir)}
    with open(os.path.join(outdir, "cases.json"), "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False)
