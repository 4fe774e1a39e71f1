#!/usr/bin/env python3
"""Embedding routes of `realizar serve` with the official clients, driven by the Swift server tests.

usage: python3 embedding_checks.py --base-url http://127.0.0.1:PORT --model ENCODER --decoder DECODER
                                   --folder ENCODER_FOLDER --realizar BINARY

The server serves ENCODER (a sentence-transformers folder: all-minilm-l6-v2) and DECODER (a GGUF
chat model). Reference vectors come from `realizar embed MODEL --json` for the same texts; token
counts from Hugging Face's `tokenizers` on the folder's tokenizer.json. Checks:
  - OpenAI `client.embeddings.create` with several texts: floats, base64 (the client's default) and
    raw base64 bytes, token-id inputs, `dimensions`, usage.prompt_tokens;
  - Ollama `Client.embed` (several texts, truncation of a long one, `dimensions`) and the legacy
    `Client.embeddings`;
  - bad inputs in both dialects' error shapes (400 naming the field, 404 for an unknown model),
    generation routes on the encoder (400: it only embeds), model listings and capabilities;
  - concurrent requests give the lone vectors; a decoder's vectors are normalised and as wide as
    the model; the server answers normally after all of it.
Prints PASS/FAIL lines; exits 1 on any failure.
"""
import argparse
import base64
import json
import math
import signal
import struct
import subprocess
import sys
import threading

import httpx
import ollama
import openai
from tokenizers import Tokenizer

FAILURES = []

TEXTS = ["Hello world", "The quick brown fox jumps over the lazy dog.", "Embeddings map texts to vectors.",
         "naïve café, über straße", "1 2 3"]
LONG = " ".join(["word"] * 300)  # 302 tokens: over all-MiniLM-L6-v2's 256


def check(condition, message):
    print(("PASS " if condition else "FAIL ") + message, flush=True)
    if not condition:
        FAILURES.append(message)


def largest_difference(a, b):
    if len(a) != len(b):
        return math.inf
    return max((abs(x - y) for x, y in zip(a, b)), default=0.0)


def reference(args, model, texts):
    """`realizar embed MODEL --json TEXT...`: the vectors the command line computes."""
    output = subprocess.run([args.realizar, "embed", model, "--json", "--", *texts], check=True, capture_output=True,
                            text=True, timeout=120).stdout
    return json.loads(output)


def same_vectors(what, got, expected, tolerance=1e-6):
    worst = max((largest_difference(g, e) for g, e in zip(got, expected)), default=math.inf)
    check(len(got) == len(expected) and worst <= tolerance,
          f"{what}: {len(got)} vectors equal the command line's {len(expected)} (largest difference {worst:.2e})")


def expect_openai_error(what, response, status, param=None):
    try:
        body = response.json()
    except ValueError:
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    ok = response.status_code == status and isinstance(error, dict) and isinstance(error.get("message"), str) \
        and error["message"] and all(key in error for key in ("type", "param", "code"))
    if ok and param is not None:
        ok = error["param"] == param
    check(ok, f"OpenAI {what}: HTTP {response.status_code} (expected {status}, param {param}) {str(body)[:200]}")
    return error["message"] if ok else ""


def expect_ollama_error(what, response, status):
    try:
        body = response.json()
    except ValueError:
        body = None
    ok = response.status_code == status and isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"]
    check(ok, f"Ollama {what}: HTTP {response.status_code} (expected {status}) {str(body)[:200]}")
    return body["error"] if ok else ""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--decoder", required=True)
    parser.add_argument("--folder", required=True)
    parser.add_argument("--realizar", required=True)
    args = parser.parse_args()
    base = args.base_url.rstrip("/")
    signal.alarm(300)

    expected = reference(args, args.model, TEXTS)
    expected_long = reference(args, args.model, [LONG])[0]
    tokenizer = Tokenizer.from_file(f"{args.folder}/tokenizer.json")
    tokenizer.no_padding()
    tokenizer.no_truncation()
    counts = [len(tokenizer.encode(text).ids) for text in TEXTS]
    ids = [tokenizer.encode(text).ids for text in TEXTS]
    check(len(tokenizer.encode(LONG).ids) > 256, "the long text is over the model's 256 tokens")

    # OpenAI, with the official client.
    client = openai.OpenAI(base_url=base + "/v1", api_key="unused", max_retries=0, timeout=60)
    result = client.embeddings.create(model=args.model, input=TEXTS, encoding_format="float")
    same_vectors("openai embeddings.create (float)", [d.embedding for d in result.data], expected)
    check([d.index for d in result.data] == list(range(len(TEXTS))) and all(d.object == "embedding" for d in result.data),
          f"openai: data in order with object 'embedding' ({[d.index for d in result.data]})")
    check(result.object == "list" and result.model == args.model, f"openai: object {result.object!r}, model {result.model!r}")
    check(result.usage.prompt_tokens == sum(counts) and result.usage.total_tokens == sum(counts),
          f"openai: usage {result.usage.prompt_tokens}/{result.usage.total_tokens} tokens = the tokenizer's {counts} (sum {sum(counts)})")
    # Without encoding_format the client asks for base64 and decodes it.
    result = client.embeddings.create(model=args.model, input=TEXTS)
    same_vectors("openai embeddings.create (the client's base64)", [d.embedding for d in result.data], expected)
    result = client.embeddings.create(model=args.model, input=TEXTS[1])
    same_vectors("openai embeddings.create (one string)", [d.embedding for d in result.data], expected[1:2])
    result = client.embeddings.create(model=args.model, input=ids, encoding_format="float")
    same_vectors("openai embeddings.create (arrays of token ids)", [d.embedding for d in result.data], expected)
    check(result.usage.prompt_tokens == sum(counts), f"openai token ids: usage {result.usage.prompt_tokens} = {sum(counts)}")
    result = client.embeddings.create(model=args.model, input=ids[0], encoding_format="float")
    same_vectors("openai embeddings.create (one array of token ids)", [d.embedding for d in result.data], expected[:1])
    result = client.embeddings.create(model=args.model, input=TEXTS, dimensions=64, encoding_format="float")
    shortened = []
    for vector in expected:
        norm = math.sqrt(sum(x * x for x in vector[:64]))
        shortened.append([x / norm for x in vector[:64]])
    same_vectors("openai dimensions=64 (the first 64 values, renormalised)", [d.embedding for d in result.data], shortened)
    r = httpx.post(base + "/v1/embeddings", json={"model": args.model, "input": TEXTS[:2], "encoding_format": "base64"}, timeout=60)
    raw = r.json()["data"] if r.status_code == 200 else []
    decoded = [list(struct.unpack(f"<{len(base64.b64decode(d['embedding'])) // 4}f", base64.b64decode(d["embedding"]))) for d in raw]
    as_float32 = [[struct.unpack("<f", struct.pack("<f", x))[0] for x in vector] for vector in expected[:2]]
    same_vectors("raw base64: little-endian float32 bytes, exactly the printed values", decoded, as_float32, tolerance=0)
    r = httpx.post(base + "/v1/embeddings", json={"model": args.model, "input": TEXTS[0], "user": "someone"}, timeout=60)
    check(r.status_code == 200, f"openai: 'user' accepted: HTTP {r.status_code}")

    # Concurrent requests share passes and give the same vectors.
    results, errors = [None] * 8, []

    def run(i):
        try:
            response = httpx.post(base + "/v1/embeddings", json={"model": args.model, "input": TEXTS[i % len(TEXTS)]}, timeout=60)
            results[i] = response.json()["data"][0]["embedding"]
        except Exception as e:  # reported below
            errors.append(f"{type(e).__name__}: {e}")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    check(not errors, f"8 concurrent requests completed {errors}")
    same_vectors("8 concurrent requests", [v or [] for v in results], [expected[i % len(TEXTS)] for i in range(8)])

    # Ollama, with the official client.
    oclient = ollama.Client(host=base, timeout=60)
    result = oclient.embed(model=args.model, input=TEXTS)
    same_vectors("ollama Client.embed", result.embeddings, expected)
    check(result.model == args.model and result.prompt_eval_count == sum(counts),
          f"ollama embed: model {result.model!r}, prompt_eval_count {result.prompt_eval_count} = {sum(counts)}")
    check(isinstance(result.total_duration, int) and result.total_duration > 0 and isinstance(result.load_duration, int),
          f"ollama embed: durations {result.total_duration} / {result.load_duration} ns")
    result = oclient.embed(model=args.model, input=TEXTS[2], keep_alive="5m", options={"num_thread": 2})
    same_vectors("ollama Client.embed (one string, keep_alive, options)", result.embeddings, expected[2:3])
    result = oclient.embed(model=args.model + ":latest", input=[LONG], keep_alive=-1)
    same_vectors("ollama embed truncates a long input as the command line does", result.embeddings, [expected_long])
    check(result.prompt_eval_count == 256, f"ollama embed: the long input counts 256 tokens ({result.prompt_eval_count})")
    result = oclient.embed(model=args.model, input=TEXTS, dimensions=64, keep_alive=30)
    same_vectors("ollama embed dimensions=64", result.embeddings, shortened)
    try:
        oclient.embed(model=args.model, input=[TEXTS[0], LONG], truncate=False)
        check(False, "ollama embed truncate=False with a long input is refused")
    except ollama.ResponseError as e:
        check(e.status_code == 400 and "context length" in str(e.error) and "input[1]" in str(e.error),
              f"ollama embed truncate=False with a long input: {e.status_code} {e.error}")
    result = oclient.embeddings(model=args.model, prompt=TEXTS[3])
    same_vectors("ollama Client.embeddings (legacy)", [result.embedding], expected[3:4])
    result = oclient.embeddings(model=args.model, prompt=LONG)
    same_vectors("ollama Client.embeddings truncates", [result.embedding], [expected_long])
    r = httpx.post(base + "/api/embed", json={"model": args.model, "input": []}, timeout=30)
    check(r.status_code == 200 and r.json().get("embeddings") == [], f"ollama embed with no input loads the model: {r.text[:120]}")
    r = httpx.post(base + "/api/embeddings", json={"model": args.model, "prompt": ""}, timeout=30)
    check(r.status_code == 200 and r.json().get("embedding") == [], f"ollama embeddings with an empty prompt: {r.text[:120]}")

    # Bad requests: OpenAI's shape.
    url = base + "/v1/embeddings"

    def post(body):
        return httpx.post(url, json=body, timeout=30)

    good = {"model": args.model, "input": TEXTS[0]}
    expect_openai_error("empty string", post({**good, "input": ""}), 400, "input")
    expect_openai_error("empty array", post({**good, "input": []}), 400, "input")
    expect_openai_error("an empty string in the array", post({**good, "input": ["a", ""]}), 400, "input[1]")
    expect_openai_error("an empty token list", post({**good, "input": [[1, 2], []]}), 400, "input[1]")
    expect_openai_error("input a number", post({**good, "input": 5}), 400, "input")
    expect_openai_error("input mixed strings and numbers", post({**good, "input": ["a", 1]}), 400, "input")
    expect_openai_error("input an object", post({**good, "input": {"text": "a"}}), 400, "input")
    expect_openai_error("input missing", post({"model": args.model}), 400, "input")
    expect_openai_error("a token id outside the vocabulary", post({**good, "input": [101, 10 ** 7]}), 400, "input")
    expect_openai_error("a negative token id", post({**good, "input": [[101, -1]]}), 400, "input[0]")
    expect_openai_error("encoding_format unknown", post({**good, "encoding_format": "hex"}), 400, "encoding_format")
    expect_openai_error("encoding_format a number", post({**good, "encoding_format": 1}), 400, "encoding_format")
    expect_openai_error("dimensions 0", post({**good, "dimensions": 0}), 400, "dimensions")
    message = expect_openai_error("dimensions larger than the model's", post({**good, "dimensions": 385}), 400, "dimensions")
    check("384" in message, f"the dimensions error names the width: {message!r}")
    expect_openai_error("dimensions a string", post({**good, "dimensions": "8"}), 400, "dimensions")
    expect_openai_error("user a number", post({**good, "user": 5}), 400, "user")
    expect_openai_error("model a number", post({**good, "model": 5}), 400, "model")
    message = expect_openai_error("a too-long input (never truncated)", post({**good, "input": [TEXTS[0], LONG]}), 400, "input[1]")
    check("256" in message and "302" in message, f"the too-long error says the counts: {message!r}")
    expect_openai_error("a too-long token list", post({**good, "input": [101] * 257}), 400, "input")
    expect_openai_error("unknown model", post({**good, "model": "no-such-model"}), 404, "model")
    expect_openai_error("bad JSON", httpx.post(url, content=b'{"input": ', timeout=30), 400)
    try:
        client.embeddings.create(model="no-such-model", input="a")
        check(False, "the openai client sees an unknown model")
    except openai.NotFoundError as e:
        check(e.status_code == 404, f"the openai client raises NotFoundError for an unknown model ({e.status_code})")
    try:
        client.embeddings.create(model=args.model, input=LONG)
        check(False, "the openai client sees a too-long input")
    except openai.BadRequestError as e:
        check(e.status_code == 400, f"the openai client raises BadRequestError for a too-long input ({e.status_code})")

    # Bad requests: Ollama's shape.
    for what, path, body, status in [
        ("input a number", "/api/embed", {"model": args.model, "input": 5}, 400),
        ("input token ids", "/api/embed", {"model": args.model, "input": [1, 2]}, 400),
        ("an empty string in the array", "/api/embed", {"model": args.model, "input": ["a", ""]}, 400),
        ("truncate a string", "/api/embed", {"model": args.model, "input": "a", "truncate": "no"}, 400),
        ("keep_alive not a duration", "/api/embed", {"model": args.model, "input": "a", "keep_alive": "5x"}, 400),
        ("keep_alive an array", "/api/embed", {"model": args.model, "input": "a", "keep_alive": []}, 400),
        ("dimensions larger than the model's", "/api/embed", {"model": args.model, "input": "a", "dimensions": 1000}, 400),
        ("dimensions negative", "/api/embed", {"model": args.model, "input": "a", "dimensions": -3}, 400),
        ("options not an object", "/api/embed", {"model": args.model, "input": "a", "options": "fast"}, 400),
        ("unknown model", "/api/embed", {"model": "no-such-model", "input": "a"}, 404),
        ("legacy prompt a number", "/api/embeddings", {"model": args.model, "prompt": 5}, 400),
        ("legacy unknown model", "/api/embeddings", {"model": "no-such-model", "prompt": "a"}, 404),
    ]:
        expect_ollama_error(what, httpx.post(base + path, json=body, timeout=30), status)
    try:
        oclient.embed(model="no-such-model", input="a")
        check(False, "the ollama client sees an unknown model")
    except ollama.ResponseError as e:
        check(e.status_code == 404, f"the ollama client raises ResponseError 404 for an unknown model ({e.status_code})")

    # The encoder only embeds.
    chat = {"model": args.model, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4}
    for path, body in [("/v1/chat/completions", chat), ("/v1/completions", {"model": args.model, "prompt": "Hi"})]:
        message = expect_openai_error(f"{path} on the encoder", httpx.post(base + path, json=body, timeout=30), 400, "model")
        check(args.model in message and "only embeds" in message, f"{path}: the error names the model and says it only embeds: {message!r}")
    for path, body in [("/api/generate", {"model": args.model, "prompt": "Hi"}), ("/api/generate", {"model": args.model}),
                       ("/api/chat", {"model": args.model, "messages": [{"role": "user", "content": "Hi"}]})]:
        message = expect_ollama_error(f"{path} on the encoder", httpx.post(base + path, json=body, timeout=30), 400)
        check(args.model in message and "only embeds" in message, f"{path}: the error names the model and says it only embeds: {message!r}")
    show = oclient.show(args.model)
    check(list(show.capabilities or []) == ["embedding"], f"ollama show: capabilities {show.capabilities}")
    check("completion" in (oclient.show(args.decoder).capabilities or []), "ollama show: the decoder completes")
    listed = [m.id for m in client.models.list().data]
    check(args.model in listed and args.decoder in listed, f"/v1/models lists both models: {listed}")
    tags = [m.model for m in oclient.list().models]
    running = [m.model for m in oclient.ps().models]
    check(args.model in tags and args.model in running, f"/api/tags {tags} and /api/ps {running} list the encoder")

    # A decoder host embeds through a second graph over its weights.
    decoder_texts = TEXTS[:2]
    result = client.embeddings.create(model=args.decoder, input=decoder_texts, encoding_format="float")
    vectors = [d.embedding for d in result.data]
    norms = [math.sqrt(sum(x * x for x in v)) for v in vectors]
    width = len(reference(args, args.decoder, decoder_texts)[0])
    check(len(vectors) == 2 and all(len(v) == width and width > 0 for v in vectors) and all(abs(n - 1) < 1e-4 for n in norms),
          f"decoder embeddings: {len(vectors)} vectors of {[len(v) for v in vectors]} values (the model's {width}), norms {norms}")
    same_vectors("decoder embeddings equal the command line's", vectors, reference(args, args.decoder, decoder_texts), tolerance=1e-5)
    result = oclient.embed(model=args.decoder, input=decoder_texts)
    same_vectors("decoder embeddings through ollama", result.embeddings, vectors, tolerance=1e-5)
    r = httpx.post(base + "/v1/chat/completions", json={**chat, "model": args.decoder, "temperature": 0}, timeout=120)
    check(r.status_code == 200 and r.json()["choices"][0]["message"]["content"] is not None,
          f"the decoder still chats after embedding: HTTP {r.status_code}")

    # Still serving.
    result = client.embeddings.create(model=args.model, input=TEXTS[:1], encoding_format="float")
    same_vectors("a normal request after the errors", [d.embedding for d in result.data], expected[:1])
    metrics = httpx.get(base + "/metrics", timeout=10).text
    passes = [line for line in metrics.splitlines() if line.startswith("realizar_embedding_passes{")]
    check(bool(passes), f"/metrics counts embedding passes: {passes}")

    print(f"{len(FAILURES)} failed", flush=True)
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
