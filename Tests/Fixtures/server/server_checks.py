#!/usr/bin/env python3
"""Load, failure and shutdown checks of `realizar serve`, driven by the Swift server tests.

usage: python3 server_checks.py COMMAND --base-url http://127.0.0.1:PORT --model NAME [--api-key KEY]

commands:
  concurrency  N greedy chat streams, first one at a time (reference texts, single-stream rate),
               then all at once, in alternated rounds; checks every concurrent text equals its
               reference and prints one JSON line {"single_tps", "aggregate_tps", "ratio", ...}.
  errors       bad JSON, wrong types, out-of-range values, unknown model, oversized body, prompt
               over the context, wrong or missing API key: each must get its status and an OpenAI
               error object; the server must answer a normal request afterwards.
  queue        fills the slot and the queue with streams, then checks the next request gets 429.
  disconnect   a client process streaming a long reply is killed; /metrics must show no active
               sequence within a second.
  shutdown     starts streams, prints "STREAMING" once they produce tokens, then waits for them
               to end (the caller sends SIGTERM) and checks each ended properly (a finish_reason
               chunk then [DONE]).
Prints PASS/FAIL lines; exits 1 on any failure. Every request has a timeout; loops are bounded.
"""
import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

import httpx

FAILURES = []


def check(condition, message):
    print(("PASS " if condition else "FAIL ") + message, flush=True)
    if not condition:
        FAILURES.append(message)


def headers(args, key=None):
    key = args.api_key if key is None else key
    return {"Authorization": f"Bearer {key}"} if key else {}


# Streams go through the standard library's HTTP client, one kept-alive connection per thread:
# httpx parses every byte in Python and builds a TLS context (~40 ms of CPU) per call, and sixteen
# such streams would measure the load generator on this machine's two cores rather than the server.
_LOCAL = threading.local()


def _connection(args, timeout):
    connection = getattr(_LOCAL, "connection", None)
    if connection is None:
        url = urllib.parse.urlsplit(args.base_url)
        connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
        _LOCAL.connection = connection
    connection.timeout = timeout
    if connection.sock is not None:
        connection.sock.settimeout(timeout)
    return connection


def _post(args, path, body, timeout):
    """Sends a JSON POST on this thread's connection (a new one if the kept one was closed)."""
    payload = json.dumps(body).encode()
    request_headers = {"Content-Type": "application/json", **headers(args)}
    for attempt in range(2):
        connection = _connection(args, timeout)
        try:
            connection.request("POST", path, body=payload, headers=request_headers)
            return connection.getresponse()
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            connection.close()
            _LOCAL.connection = None
            if attempt == 1:
                raise


def stream_chat(args, content, max_tokens, on_token=None, timeout=120):
    """Streams one greedy chat completion; returns (text, finish_reasons, saw_done, tokens, seconds)."""
    body = {"model": args.model, "messages": [{"role": "user", "content": content}], "max_tokens": max_tokens,
            "temperature": 0, "stream": True, "stream_options": {"include_usage": True}}
    text, finish, done, tokens = "", [], False, 0
    started = time.monotonic()
    response = _post(args, "/v1/chat/completions", body, timeout)
    if response.status != 200:
        raise RuntimeError(f"HTTP {response.status}: {response.read().decode(errors='replace')}")
    for raw in iter(response.readline, b""):
        line = raw.decode().rstrip("\r\n")
        if not line.startswith("data: "):
            continue
        data = line[6:]
        if data == "[DONE]":
            done = True
            continue
        chunk = json.loads(data)
        if chunk.get("usage"):
            tokens = chunk["usage"]["completion_tokens"]
        for choice in chunk["choices"]:
            piece = choice["delta"].get("content") or ""
            text += piece
            if piece and on_token:
                on_token()
            if choice.get("finish_reason"):
                finish.append(choice["finish_reason"])
    response.close()
    return text, finish, done, tokens, time.monotonic() - started


PROMPTS = ["Write one sentence about the sea.", "Name three colors.", "What is a cat?", "Describe a mountain.",
           "Say something about winter.", "Tell me about bread.", "What do birds eat?", "Describe the moon.",
           "Write one sentence about rain.", "Name a few fruits.", "What is music?", "Describe a forest.",
           "Say something about trains.", "Tell me about coffee.", "What do fish do?", "Describe a city at night."]


def concurrency(args):
    n, max_tokens = args.streams, args.max_tokens
    # A few distinct prompts, each alone first (the reference texts and the single-stream rate).
    distinct = PROMPTS[: args.distinct]
    prompts = [distinct[i % len(distinct)] for i in range(n)]

    def burst(target, timeout):
        """Runs target(i) for the n streams at once; returns the seconds until all have ended."""
        threads = [threading.Thread(target=target, args=(i,)) for i in range(n)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=timeout)
        return time.monotonic() - started

    # Warm-up, alone and as a burst: the first batched passes size the server's buffers.
    stream_chat(args, "Hello", 4)
    burst(lambda i: stream_chat(args, "Hello", 4), 120)
    alone = {}
    single_tokens, single_seconds, generated, wall = 0, 0.0, 0, 0.0
    mismatches, errors = 0, []
    # Rounds alternate the two phases, so that a slower or faster stretch of a shared machine
    # weighs on both alike.
    for _ in range(args.rounds):
        for prompt in distinct:
            text, finish, done, tokens, seconds = stream_chat(args, prompt, max_tokens)
            if alone.setdefault(prompt, text) != text:
                errors.append(f"the same greedy request gave two texts: {alone[prompt]!r} and {text!r}")
            single_tokens += tokens
            single_seconds += seconds
        results = [None] * n

        def run(i):
            try:
                results[i] = stream_chat(args, prompts[i], max_tokens)
            except Exception as e:  # reported below
                errors.append(f"stream {i}: {type(e).__name__}: {e}")

        wall += burst(run, 300)
        for i, result in enumerate(results):
            if result is None:
                continue
            text, finish, done, tokens, _ = result
            generated += tokens
            if text != alone[prompts[i]] or not done or len(finish) != 1:
                mismatches += 1
                print(f"  stream {i}: {text!r} vs alone {alone[prompts[i]]!r} (done={done}, finish={finish})", flush=True)
    check(not errors, f"{n} concurrent streams completed, {args.rounds} rounds" + (f": {errors}" if errors else ""))
    check(mismatches == 0, f"every concurrent stream's text equals the same request alone ({mismatches} differ)")
    if args.expect_preemptions:
        preempted = metric(args, "realizar_kv_preemptions")
        check(preempted > 0, f"the KV budget ran out and sequences were preempted ({preempted:.0f} preemptions)")
    single = single_tokens / single_seconds
    aggregate = generated / wall
    print(json.dumps({"single_tps": round(single, 2), "aggregate_tps": round(aggregate, 2), "ratio": round(aggregate / single, 2),
                      "streams": n, "max_tokens": max_tokens, "rounds": args.rounds, "generated": generated,
                      "wall_s": round(wall, 2)}), flush=True)


def errors(args):
    base = args.base_url

    def expect(what, status, response, error_type=None):
        try:
            body = response.json()
        except ValueError:
            body = None
        ok = response.status_code == status and isinstance(body, dict) and isinstance(body.get("error"), dict) \
            and isinstance(body["error"].get("message"), str) and body["error"]["message"] \
            and "type" in body["error"] and "param" in body["error"] and "code" in body["error"]
        if ok and error_type:
            ok = body["error"]["type"] == error_type
        check(ok, f"{what}: HTTP {response.status_code} (expected {status}) {str(body)[:160]}")

    chat = base + "/v1/chat/completions"
    h = {**headers(args), "Content-Type": "application/json"}
    good = {"model": args.model, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4, "temperature": 0}
    expect("bad JSON", 400, httpx.post(chat, content=b'{"model": ', headers=h, timeout=30), "invalid_request_error")
    expect("messages not an array", 400, httpx.post(chat, json={**good, "messages": "hi"}, headers=h, timeout=30))
    expect("temperature a string", 400, httpx.post(chat, json={**good, "temperature": "hot"}, headers=h, timeout=30))
    expect("temperature out of range", 400, httpx.post(chat, json={**good, "temperature": 7}, headers=h, timeout=30))
    expect("max_tokens 0", 400, httpx.post(chat, json={**good, "max_tokens": 0}, headers=h, timeout=30))
    expect("unknown model", 404, httpx.post(chat, json={**good, "model": "no-such-model"}, headers=h, timeout=30))
    big = {**good, "messages": [{"role": "user", "content": "x" * (args.max_body + 10)}]}
    expect("oversized body", 413, httpx.post(chat, json=big, headers=h, timeout=30))
    long_prompt = " ".join(["word"] * (args.ctx + 50))
    long = {**good, "messages": [{"role": "user", "content": long_prompt[: args.max_body - 500]}]}
    r = httpx.post(chat, json=long, headers=h, timeout=30)
    expect("prompt over the context", 400, r)
    check("context" in r.text, f"the error names the context: {r.text[:200]}")
    expect("completions prompt over the context", 400,
           httpx.post(base + "/v1/completions", json={"model": args.model, "prompt": long_prompt[: args.max_body - 500]}, headers=h, timeout=30))
    if args.api_key:
        expect("wrong API key", 401, httpx.post(chat, json=good, headers={"Authorization": "Bearer nope"}, timeout=30), "authentication_error")
        expect("missing API key", 401, httpx.get(base + "/v1/models", timeout=30))
        r = httpx.get(base + "/health", timeout=30)
        check(r.status_code == 200, f"/health stays open without a key: HTTP {r.status_code}")
        r = httpx.post(base + "/api/generate", json={"model": args.model, "prompt": "hi"}, timeout=30)
        check(r.status_code == 401 and "error" in r.json(), f"ollama route without a key: HTTP {r.status_code} {r.text[:100]}")
    r = httpx.post(base + "/api/generate", json={"model": "no-such-model", "prompt": "hi", "stream": False}, headers=h, timeout=30)
    check(r.status_code == 404 and isinstance(r.json().get("error"), str), f"ollama unknown model: HTTP {r.status_code} {r.text[:100]}")
    r = httpx.post(base + "/tokenize", json={"content": "Hello world"}, headers=h, timeout=30)
    check(r.status_code == 200 and r.json()["tokens"], f"/tokenize: {r.text[:100]}")
    tokens = r.json()["tokens"]
    r = httpx.post(base + "/detokenize", json={"tokens": tokens}, headers=h, timeout=30)
    check(r.status_code == 200 and r.json()["content"].strip() == "Hello world", f"/detokenize: {r.text[:100]}")
    expect("detokenize bad id", 400, httpx.post(base + "/detokenize", json={"tokens": [-5]}, headers=h, timeout=30))
    r = httpx.post(chat, json={**good, "response_format": {"type": "json_object"}, "max_tokens": 32,
                               "messages": [{"role": "user", "content": "Give a JSON object describing a cat."}]}, headers=h, timeout=120)
    content = r.json()["choices"][0]["message"]["content"] if r.status_code == 200 else None
    finish = r.json()["choices"][0]["finish_reason"] if r.status_code == 200 else None
    if finish == "stop":
        try:
            parsed = json.loads(content)
            check(isinstance(parsed, dict), f"response_format json_object gives a JSON object: {content!r}")
        except ValueError:
            check(False, f"response_format json_object gives valid JSON: {content!r}")
    else:
        check(r.status_code == 200 and content.lstrip().startswith("{"), f"response_format json_object (cut by length) starts an object: {content!r}")
    r = httpx.post(chat, json=good, headers=h, timeout=60)
    check(r.status_code == 200 and r.json()["choices"][0]["message"]["content"] is not None, f"a normal request after the errors: HTTP {r.status_code}")


def metric(args, name):
    text = httpx.get(args.base_url + "/metrics", headers=headers(args), timeout=10).text
    total = 0.0
    for line in text.splitlines():
        m = re.match(rf"^{name}(\{{[^}}]*\}})? ([0-9.eE+-]+)$", line)
        if m:
            total += float(m.group(2))
    return total


def queue(args):
    # One slot and a queue of one: two long streams fill both, the third request must get 429.
    started = []
    lock = threading.Lock()
    holders = []

    def hold():
        try:
            def note():
                with lock:
                    if threading.get_ident() not in started:
                        started.append(threading.get_ident())
            # As long as the context allows, so that the first holder still streams when the
            # third request arrives (a GPU generates 128 tokens in 0.2 s).
            stream_chat(args, "Count from one to one hundred.", max(16, args.ctx - 32), on_token=note, timeout=120)
        except Exception as e:
            print(f"  holder: {e}", flush=True)

    for _ in range(2):
        t = threading.Thread(target=hold)
        t.start()
        holders.append(t)
    # Once the first holder streams, six more requests go out at once: with one slot and a queue of
    # one, at least one of them must get 429, however fast the device generates (on a GPU a holder
    # can finish before a lone third request arrives).
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not started:
        time.sleep(0.005)
    results = []

    def burst():
        r = httpx.post(args.base_url + "/v1/chat/completions", headers=headers(args), timeout=60,
                       json={"model": args.model, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 2})
        with lock:
            results.append(r)

    senders = [threading.Thread(target=burst) for _ in range(6)]
    for t in senders:
        t.start()
    for t in senders:
        t.join(timeout=120)
    refused = [r for r in results if r.status_code == 429]
    check(bool(refused) and all(r.json().get("error", {}).get("type") == "rate_limit_error" for r in refused),
          f"a full queue gives 429: {sorted(r.status_code for r in results)}")
    check(all(r.status_code in (200, 429) for r in results), f"the others complete: {sorted(r.status_code for r in results)}")
    for t in holders:
        t.join(timeout=180)


def disconnect(args):
    child = subprocess.Popen([sys.executable, "-c", f"""
import httpx, sys
body = {{"model": {args.model!r}, "messages": [{{"role": "user", "content": "Count from one to one thousand."}}],
        "max_tokens": 2000, "temperature": 0, "stream": True}}
with httpx.stream("POST", {(args.base_url + '/v1/chat/completions')!r}, json=body, headers={headers(args)!r}, timeout=120) as r:
    for line in r.iter_lines():
        if '"content":""' not in line and '"content"' in line:
            print("TOKEN", flush=True)
"""], stdout=subprocess.PIPE, text=True)
    line = child.stdout.readline()
    check(line.startswith("TOKEN"), f"the client streams tokens before it is killed ({line!r})")
    active = metric(args, "realizar_active_sequences")
    check(active >= 1, f"an active sequence while the client streams (gauge {active})")
    child.kill()
    killed = time.monotonic()
    child.wait(timeout=10)
    freed_after = None
    while time.monotonic() - killed < 5:
        if metric(args, "realizar_active_sequences") == 0:
            freed_after = time.monotonic() - killed
            break
        time.sleep(0.02)
    check(freed_after is not None and freed_after <= 1.0, f"the slot is freed within a second of the kill (after {freed_after}s)")
    print(json.dumps({"slot_freed_after_s": freed_after}), flush=True)
    r = httpx.post(args.base_url + "/v1/chat/completions", headers=headers(args), timeout=60,
                   json={"model": args.model, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4, "temperature": 0})
    check(r.status_code == 200, f"the server answers after the disconnect: HTTP {r.status_code}")
    text = httpx.get(args.base_url + "/metrics", headers=headers(args), timeout=10).text
    for name in ("realizar_http_requests_total", "realizar_prompt_tokens_total", "realizar_generated_tokens_total",
                 "realizar_time_to_first_token_seconds_bucket", "realizar_inter_token_latency_seconds_bucket",
                 "realizar_queue_depth", "realizar_active_sequences", "realizar_kv_cache_used_positions"):
        check(name in text, f"/metrics has {name}")


def shutdown(args):
    results, errors = [None, None], []

    def run(i, content):
        try:
            results[i] = stream_chat(args, content, 400, timeout=120)
        except Exception as e:
            errors.append(f"{type(e).__name__}: {e}")

    seen = threading.Event()
    threads = [threading.Thread(target=run, args=(0, "Count from one to one thousand.")),
               threading.Thread(target=run, args=(1, "Write a long story about the sea."))]
    for t in threads:
        t.start()
    time.sleep(0.5)
    deadline = time.monotonic() + 60
    while metric(args, "realizar_generated_tokens_total") == 0 and metric(args, "realizar_active_sequences") < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    print("STREAMING", flush=True)
    for t in threads:
        t.join(timeout=120)
    check(not errors, f"streams ended without errors {errors}")
    for i, result in enumerate(results):
        if result:
            text, finish, done, tokens, _ = result
            check(len(finish) == 1 and done, f"stream {i} ended with a finish_reason chunk and [DONE] ({finish}, done={done}, {len(text)} chars)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["concurrency", "errors", "queue", "disconnect", "shutdown"])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--api-key")
    parser.add_argument("--streams", type=int, default=16)
    parser.add_argument("--max-tokens", type=int, default=32)
    parser.add_argument("--distinct", type=int, default=4, help="distinct prompts among the concurrent streams")
    parser.add_argument("--expect-preemptions", action="store_true", help="concurrency: check /metrics counted KV preemptions")
    parser.add_argument("--rounds", type=int, default=2, help="alternated single-stream and concurrent phases")
    parser.add_argument("--max-body", type=int, default=65536)
    parser.add_argument("--ctx", type=int, default=256)
    args = parser.parse_args()
    args.base_url = args.base_url.rstrip("/")
    signal.alarm(600)
    globals()[args.command](args)
    print(f"{len(FAILURES)} failed", flush=True)
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
