#!/usr/bin/env python3
"""Structured output through the official `openai` and `ollama` clients against `realizar serve`.

usage: python3 structured_output.py --base-url http://127.0.0.1:PORT --model smollm2-135m-instruct

For a subset of Tests/Fixtures/json-schemas/schemas.json that covers every keyword family, asks
for `response_format: {"type": "json_schema", "json_schema": {..., "strict": true}}` through the
openai client (streamed and not) and for `format=<schema>` through the ollama client (streamed and
not). Every output must be complete (finish_reason stop) and validate with jsonschema; object
outputs must list the declared properties in the schema's order. Temperature 0; requests run a
few at a time. Needs openai, ollama and jsonschema (requirements.txt).
"""
import argparse
import json
import pathlib
import sys
from concurrent.futures import ThreadPoolExecutor

import jsonschema
import ollama
import openai

from official_clients import Checks

# One or more schemas for each keyword family: object/required/additionalProperties, enum,
# const, type lists, string lengths, pattern, format, integer and number bounds, items,
# minItems/maxItems, prefixItems, anyOf, oneOf, allOf, $ref/$defs, recursion, additional schemas.
SUBSET = [
    "person", "optional-fields", "string-enum", "const", "nullable-integer", "string-lengths", "pattern-alternation",
    "format-date-time", "integer-exclusive", "number-bounds", "array-bounds", "tuple-with-rest", "anyOf", "oneOf-shapes",
    "allOf-merge", "ref-defs", "recursive-tree", "additional-schema", "nested-address",
]
MAX_TOKENS = 1024


def load_cases():
    path = pathlib.Path(__file__).resolve().parents[1] / "json-schemas" / "schemas.json"
    cases = {case["name"]: case for case in json.loads(path.read_text())}
    missing = [name for name in SUBSET if name not in cases]
    assert not missing, f"not in schemas.json: {missing}"
    return [cases[name] for name in SUBSET]


def messages(case):
    return [{"role": "user", "content": case["prompt"] + " Use this JSON schema: " + json.dumps(case["schema"])}]


def check_output(case, text):
    """The output parses, validates and writes declared properties in the schema's order."""
    value = json.loads(text)
    schema = case["schema"]
    cls = jsonschema.validators.validator_for(schema)
    cls(schema, format_checker=cls.FORMAT_CHECKER).validate(value)
    declared = list(schema.get("properties", {}))
    if isinstance(value, dict) and declared:
        written = [key for key in value if key in declared]
        expected = [key for key in declared if key in value]
        assert written == expected, f"{case['name']}: properties {written}, schema order {expected}"
    return text


def run_all(cases, ask, workers):
    """ask(case) -> (text, finish); returns a detail, or fails naming each bad case."""
    def one(case):
        try:
            text, finish = ask(case)
            assert finish == "stop", f"finish_reason {finish!r} after {text[:200]!r}"
            check_output(case, text)
            return None
        except Exception as error:  # a validation error, a cut output, a client error
            return f"{case['name']}: {type(error).__name__}: {str(error).splitlines()[0][:300]}"
    with ThreadPoolExecutor(workers) as pool:
        failures = [f for f in pool.map(one, cases) if f]
    assert not failures, "; ".join(failures)
    return f"{len(cases)} schemas valid"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    client = openai.OpenAI(base_url=args.base_url + "/v1", api_key="none", max_retries=0, timeout=300)
    ollama_client = ollama.Client(host=args.base_url, timeout=300)
    cases = load_cases()
    checks = Checks()

    def response_format(case):
        return {"type": "json_schema", "json_schema": {"name": case["name"], "schema": case["schema"], "strict": True}}

    def openai_whole(case):
        response = client.chat.completions.create(model=args.model, messages=messages(case), response_format=response_format(case),
                                                  temperature=0, max_tokens=MAX_TOKENS)
        choice = response.choices[0]
        return choice.message.content, choice.finish_reason

    def openai_streamed(case):
        text, finish = "", None
        stream = client.chat.completions.create(model=args.model, messages=messages(case), response_format=response_format(case),
                                                temperature=0, max_tokens=MAX_TOKENS, stream=True)
        for chunk in stream:
            for choice in chunk.choices:
                text += choice.delta.content or ""
                finish = choice.finish_reason or finish
        return text, finish

    def ollama_whole(case):
        response = ollama_client.chat(model=args.model, messages=messages(case), format=case["schema"],
                                      options={"temperature": 0, "num_predict": MAX_TOKENS})
        return response.message.content, response.done_reason

    def ollama_streamed(case):
        text, finish = "", None
        for part in ollama_client.chat(model=args.model, messages=messages(case), format=case["schema"], stream=True,
                                       options={"temperature": 0, "num_predict": MAX_TOKENS}):
            text += part.message.content or ""
            if part.done:
                finish = part.done_reason
        return text, finish

    checks.run("openai response_format json_schema strict", lambda: run_all(cases, openai_whole, args.workers))
    checks.run("openai response_format json_schema strict, streamed", lambda: run_all(cases, openai_streamed, args.workers))
    checks.run("ollama format schema", lambda: run_all(cases, ollama_whole, args.workers))
    checks.run("ollama format schema, streamed", lambda: run_all(cases, ollama_streamed, args.workers))
    sys.exit(0 if checks.summary() else 1)


if __name__ == "__main__":
    main()
