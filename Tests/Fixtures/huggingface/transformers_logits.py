"""Runs a Hugging Face model folder with `transformers` (f32, eager attention) and prints, for
each case, the last position's logits at the ids asked for, as JSON.

usage: transformers_logits.py FOLDER CASES_JSON   (CASES_JSON: [{"tokens": [...], "ids": [...]}, ...])
"""
import json
import sys

import torch
from transformers import AutoModelForCausalLM

torch.set_grad_enabled(False)
model = AutoModelForCausalLM.from_pretrained(sys.argv[1], dtype=torch.float32, attn_implementation="eager")
model.eval()
with open(sys.argv[2], encoding="utf-8") as f:
    cases = json.load(f)
out = []
for case in cases:
    logits = model(torch.tensor([case["tokens"]])).logits[0, -1]
    out.append([float(logits[i]) for i in case["ids"]])
print(json.dumps(out))
