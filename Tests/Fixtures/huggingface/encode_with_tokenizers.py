"""Encodes texts with the Python `tokenizers` package, special tokens in the text kept as text
(as llama.cpp's reference cases were made), and prints the ids as JSON.

usage: encode_with_tokenizers.py TOKENIZER_JSON TEXTS_JSON   (TEXTS_JSON: a JSON list of strings)
"""
import json
import sys

from tokenizers import Tokenizer

tokenizer = Tokenizer.from_file(sys.argv[1])
tokenizer.encode_special_tokens = True
with open(sys.argv[2], encoding="utf-8") as f:
    texts = json.load(f)
print(json.dumps([tokenizer.encode(text, add_special_tokens=False).ids for text in texts]))
