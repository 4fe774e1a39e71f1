#!/usr/bin/env python3
"""Checks `realizar serve` with the official `openai` and `ollama` Python clients.

usage: python3 official_clients.py --base-url http://127.0.0.1:PORT --model gemma3-270m [--api-key KEY]

Prints one line per check (PASS/FAIL/SKIP and what was seen) and a summary; exits 1 if any check
failed. Requests are kept short (16 to 32 tokens) so the whole run takes well under a minute on a
small CPU. Checks that compare texts use temperature 0, where the server's greedy decoding is
deterministic. Needs the packages in requirements.txt next to this file.
"""
import argparse
import math
import sys
import time
import traceback

import httpx
import ollama
import openai

MAX_TOKENS = 24
PROMPT = "Write one short sentence about the sea."
COMPLETION_PROMPT = "The capital of France is"


class Checks:
    def __init__(self):
        self.passed, self.failed, self.skipped = [], [], []

    def run(self, name, fn):
        """Runs fn(); AssertionError or any exception fails the check. fn may return a detail string."""
        started = time.monotonic()
        try:
            detail = fn()
        except Skip as e:
            self.skipped.append(name)
            print(f"SKIP {name}: {e}", flush=True)
            return
        except AssertionError as e:
            self.failed.append(name)
            print(f"FAIL {name}: {e}", flush=True)
            return
        except Exception as e:  # a client error, a bad response, a refused connection...
            self.failed.append(name)
            print(f"FAIL {name}: {type(e).__name__}: {e}", flush=True)
            if not isinstance(e, (openai.APIError, ollama.ResponseError, httpx.HTTPError, ConnectionError)):
                traceback.print_exc(limit=4, file=sys.stdout)  # a bug here, or a response the client cannot parse
            return
        seconds = time.monotonic() - started
        self.passed.append(name)
        print(f"PASS {name} ({seconds:.1f}s)" + (f": {detail}" if detail else ""), flush=True)

    def summary(self):
        total = len(self.passed) + len(self.failed) + len(self.skipped)
        line = f"{len(self.passed)}/{total} checks passed, {len(self.failed)} failed, {len(self.skipped)} skipped"
        if self.failed:
            line += " — failed: " + ", ".join(self.failed)
        print(line, flush=True)
        return not self.failed


class Skip(Exception):
    pass


def short(text, limit=60):
    text = repr(text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_usage(usage, what):
    assert usage is not None, f"{what}: response has no usage"
    assert usage.prompt_tokens > 0, f"{what}: usage.prompt_tokens = {usage.prompt_tokens}, expected > 0"
    assert usage.completion_tokens > 0, f"{what}: usage.completion_tokens = {usage.completion_tokens}, expected > 0"
    assert usage.total_tokens == usage.prompt_tokens + usage.completion_tokens, (
        f"{what}: usage.total_tokens = {usage.total_tokens}, expected prompt_tokens + completion_tokens = "
        f"{usage.prompt_tokens} + {usage.completion_tokens}")


def pick_stop_string(text):
    """A piece of text that occurs in it after a non-empty prefix, so that a request with this stop
    string must stop early: a word from the middle, else a few characters from the middle."""
    words = text.split()
    for word in words[2:] + words[1:2]:
        if len(word) >= 2 and text.find(word) > 0:
            return word
    middle = len(text) // 2
    for candidate in (text[middle:middle + 3], text[middle:middle + 1]):
        if candidate.strip() and text.find(candidate) > 0:
            return candidate
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", required=True, help="the server, e.g. http://127.0.0.1:8080")
    parser.add_argument("--model", required=True, help="a model the server lists, e.g. gemma3-270m")
    parser.add_argument("--api-key", help="the server's API key, when it requires one")
    parser.add_argument("--timeout", type=float, default=120, help="seconds per request (default 120)")
    args = parser.parse_args()

    base = args.base_url.rstrip("/")
    model = args.model
    client = openai.OpenAI(base_url=base + "/v1", api_key=args.api_key or "unused",
                           timeout=args.timeout, max_retries=0)
    auth = {"Authorization": f"Bearer {args.api_key}"} if args.api_key else {}
    ollama_client = ollama.Client(host=base, headers=auth, timeout=args.timeout)
    try:
        httpx.get(base + "/health", timeout=10)
    except httpx.HTTPError as e:
        print(f"FAIL cannot reach the server at {base}: {type(e).__name__}: {e}", flush=True)
        sys.exit(1)
    checks = Checks()
    seen = {}  # results that later checks reuse

    messages = [{"role": "user", "content": PROMPT}]

    def greedy_chat(max_tokens=MAX_TOKENS, **extra):
        return client.chat.completions.create(model=model, messages=messages, max_tokens=max_tokens,
                                              temperature=0, **extra)

    # ---------------------------------------------------------------- openai

    def models_list():
        ids = [m.id for m in client.models.list()]
        assert model in ids, f"GET /v1/models lists {ids}, not {model!r}"
        return f"{len(ids)} model(s): {', '.join(ids)}"

    def chat_non_streaming():
        r = greedy_chat()
        assert len(r.choices) == 1, f"expected 1 choice, got {len(r.choices)}"
        choice = r.choices[0]
        content = choice.message.content
        assert isinstance(content, str) and content, f"message.content should be a non-empty string, got {content!r}"
        assert choice.message.role == "assistant", f"message.role = {choice.message.role!r}, expected 'assistant'"
        assert choice.finish_reason in ("stop", "length"), f"finish_reason = {choice.finish_reason!r}, expected stop or length"
        check_usage(r.usage, "chat")
        assert r.usage.completion_tokens <= MAX_TOKENS, (
            f"usage.completion_tokens = {r.usage.completion_tokens} > max_tokens = {MAX_TOKENS}")
        if choice.finish_reason == "length":
            assert r.usage.completion_tokens == MAX_TOKENS, (
                f"finish_reason is 'length' but usage.completion_tokens = {r.usage.completion_tokens}, "
                f"expected max_tokens = {MAX_TOKENS}")
        seen["chat"] = r
        return f"{short(content)}, finish_reason={choice.finish_reason}, usage={r.usage.prompt_tokens}+{r.usage.completion_tokens}"

    def chat_streaming():
        reference = seen.get("chat") or greedy_chat()
        stream = greedy_chat(stream=True, stream_options={"include_usage": True})
        text, finish_reasons, usage_chunks, chunks = "", [], [], 0
        for chunk in stream:
            chunks += 1
            assert chunk.object == "chat.completion.chunk", f"chunk.object = {chunk.object!r}"
            if chunk.usage is not None:
                usage_chunks.append(chunk.usage)
            for c in chunk.choices:
                if c.delta and c.delta.content:
                    text += c.delta.content
                if c.finish_reason:
                    finish_reasons.append(c.finish_reason)
        expected = reference.choices[0].message.content
        assert text == expected, f"streamed text {text!r} differs from the non-streamed greedy text {expected!r}"
        assert finish_reasons == [reference.choices[0].finish_reason], (
            f"finish_reason in the stream {finish_reasons}, expected exactly [{reference.choices[0].finish_reason!r}]")
        assert len(usage_chunks) == 1, f"expected one chunk with usage (stream_options.include_usage), got {len(usage_chunks)}"
        usage = usage_chunks[0]
        check_usage(usage, "streamed chat")
        assert (usage.prompt_tokens, usage.completion_tokens) == (
            reference.usage.prompt_tokens, reference.usage.completion_tokens), (
            f"streamed usage {usage.prompt_tokens}+{usage.completion_tokens} differs from non-streamed "
            f"{reference.usage.prompt_tokens}+{reference.usage.completion_tokens}")
        return f"{chunks} chunks, text equals the non-streamed reply"

    def chat_stream_without_usage():
        stream = greedy_chat(stream=True, max_tokens=8)
        usages = [chunk.usage for chunk in stream if chunk.usage is not None]
        assert not usages, f"usage sent without stream_options.include_usage: {usages}"

    def completions():
        r = client.completions.create(model=model, prompt=COMPLETION_PROMPT, max_tokens=MAX_TOKENS, temperature=0)
        assert len(r.choices) == 1, f"expected 1 choice, got {len(r.choices)}"
        text = r.choices[0].text
        assert isinstance(text, str) and text, f"choices[0].text should be a non-empty string, got {text!r}"
        assert r.choices[0].finish_reason in ("stop", "length"), f"finish_reason = {r.choices[0].finish_reason!r}"
        check_usage(r.usage, "completion")
        assert r.usage.completion_tokens <= MAX_TOKENS, f"usage.completion_tokens = {r.usage.completion_tokens} > {MAX_TOKENS}"

        stream = client.completions.create(model=model, prompt=COMPLETION_PROMPT, max_tokens=MAX_TOKENS,
                                           temperature=0, stream=True, stream_options={"include_usage": True})
        streamed, usages, finish = "", [], []
        for chunk in stream:
            if chunk.usage is not None:
                usages.append(chunk.usage)
            for c in chunk.choices:
                streamed += c.text or ""
                if c.finish_reason:
                    finish.append(c.finish_reason)
        assert streamed == text, f"streamed completion {streamed!r} differs from non-streamed {text!r}"
        assert finish == [r.choices[0].finish_reason], f"finish_reason in the stream {finish}, expected [{r.choices[0].finish_reason!r}]"
        assert len(usages) == 1, f"expected one chunk with usage, got {len(usages)}"
        assert usages[0].completion_tokens == r.usage.completion_tokens, (
            f"streamed completion_tokens {usages[0].completion_tokens} != non-streamed {r.usage.completion_tokens}")
        return f"{short(COMPLETION_PROMPT + text)} (streamed: same)"

    def stop_strings():
        reference = seen.get("chat") or greedy_chat()
        full = reference.choices[0].message.content
        stop = pick_stop_string(full)
        if stop is None:
            raise Skip(f"the greedy reply {full!r} is too short to pick a stop string from")
        r = greedy_chat(stop=["\u2603never-occurs\u2603", stop])
        text = r.choices[0].message.content or ""
        expected = full[: full.find(stop)]
        assert stop not in text, f"text {text!r} contains the stop string {stop!r}"
        assert r.choices[0].finish_reason == "stop", f"finish_reason = {r.choices[0].finish_reason!r}, expected 'stop' (stop={stop!r})"
        assert text == expected, f"with stop={stop!r} the text is {text!r}, expected the greedy text up to it: {expected!r}"
        stream = greedy_chat(stop=stop, stream=True)
        streamed, finish = "", []
        for chunk in stream:
            for c in chunk.choices:
                streamed += (c.delta.content or "") if c.delta else ""
                if c.finish_reason:
                    finish.append(c.finish_reason)
        assert streamed == expected, f"streamed with stop={stop!r}: {streamed!r}, expected {expected!r}"
        assert finish == ["stop"], f"streamed finish_reason {finish}, expected ['stop']"
        return f"stop={stop!r} -> {short(text)} (streamed: same)"

    def seeds():
        def sample(seed):
            r = client.chat.completions.create(model=model, messages=messages, max_tokens=16,
                                               temperature=0.9, seed=seed)
            return r.choices[0].message.content
        first, again = sample(42), sample(42)
        assert first == again, f"temperature 0.9, seed 42 gave two different texts: {first!r} and {again!r}"
        others = [sample(s) for s in (1, 2, 3)]
        distinct = len(set([first] + others))
        assert distinct >= 2, f"seeds 42, 1, 2, 3 at temperature 0.9 all gave the same text {first!r}: is the seed used?"
        return f"seed 42 twice: same; seeds 42,1,2,3: {distinct} distinct texts"

    def logprobs():
        r = greedy_chat(logprobs=True, top_logprobs=3)
        choice = r.choices[0]
        assert choice.logprobs is not None and choice.logprobs.content is not None, "choices[0].logprobs.content is missing"
        entries = choice.logprobs.content
        assert len(entries) == r.usage.completion_tokens, (
            f"{len(entries)} logprobs entries but usage.completion_tokens = {r.usage.completion_tokens}: expected one per generated token")
        if all(e.bytes is not None for e in entries):  # bytes, not token strings: a token may split a UTF-8 character
            spelled = bytes(b for e in entries for b in e.bytes).decode("utf-8", errors="replace")
        else:
            spelled = "".join(e.token for e in entries)
        assert spelled == choice.message.content, (
            f"the logprobs entries spell {spelled!r}, not the content {choice.message.content!r}")
        for i, e in enumerate(entries):
            assert math.isfinite(e.logprob) and e.logprob <= 1e-6, f"token {i} {e.token!r}: logprob {e.logprob} should be <= 0"
            top = e.top_logprobs
            assert len(top) == 3, f"token {i}: {len(top)} top_logprobs, expected 3"
            values = [t.logprob for t in top]
            assert all(v <= 1e-6 for v in values), f"token {i}: top_logprobs {values} should all be <= 0"
            assert values == sorted(values, reverse=True), f"token {i}: top_logprobs {values} are not sorted descending"
            assert abs(e.logprob - values[0]) <= 1e-4, (
                f"token {i} {e.token!r}: logprob {e.logprob} is not the top entry's {values[0]} ({top[0].token!r}) under temperature 0")
        return f"{len(entries)} tokens, first: {entries[0].token!r} {entries[0].logprob:.3f}"

    def n_choices():
        r = client.chat.completions.create(model=model, messages=messages, max_tokens=16, n=2, temperature=0.8, seed=7)
        assert len(r.choices) == 2, f"n=2 gave {len(r.choices)} choices"
        assert sorted(c.index for c in r.choices) == [0, 1], f"choice indices {[c.index for c in r.choices]}, expected [0, 1]"
        for c in r.choices:
            assert isinstance(c.message.content, str) and c.message.content, f"choice {c.index} has empty content"
        assert r.usage.completion_tokens <= 2 * 16, f"usage.completion_tokens = {r.usage.completion_tokens} > 2 x 16"
        return " | ".join(short(c.message.content, 30) for c in r.choices)

    def max_tokens():
        r = client.chat.completions.create(model=model, messages=messages, max_tokens=5, temperature=0)
        assert r.usage.completion_tokens <= 5, f"max_tokens=5 but usage.completion_tokens = {r.usage.completion_tokens}"
        r2 = client.chat.completions.create(model=model, messages=messages, max_completion_tokens=5, temperature=0)
        assert r2.usage.completion_tokens <= 5, (
            f"max_completion_tokens=5 but usage.completion_tokens = {r2.usage.completion_tokens}")
        assert r2.choices[0].message.content == r.choices[0].message.content, (
            f"max_tokens=5 and max_completion_tokens=5 gave different greedy texts: "
            f"{r.choices[0].message.content!r} and {r2.choices[0].message.content!r}")
        return f"{r.usage.completion_tokens} tokens, finish_reason={r.choices[0].finish_reason}"

    def unknown_model():
        try:
            client.chat.completions.create(model="no-such-model-xyz", messages=messages, max_tokens=4)
        except openai.NotFoundError as e:
            assert e.status_code == 404, f"status {e.status_code}"
            return f"404: {short(e.message, 80)}"
        raise AssertionError("a chat request for model 'no-such-model-xyz' succeeded; expected openai.NotFoundError (404)")

    def wrong_key():
        if not args.api_key:
            raise Skip("no --api-key given")
        bad = openai.OpenAI(base_url=base + "/v1", api_key=args.api_key + "-wrong", timeout=args.timeout, max_retries=0)
        for what, call in (("GET /v1/models", lambda: bad.models.list()),
                           ("POST /v1/chat/completions",
                            lambda: bad.chat.completions.create(model=model, messages=messages, max_tokens=4))):
            try:
                call()
            except openai.AuthenticationError as e:
                assert e.status_code == 401, f"{what}: status {e.status_code}"
                continue
            raise AssertionError(f"{what} with a wrong API key succeeded; expected openai.AuthenticationError (401)")
        try:
            ollama.Client(host=base, timeout=args.timeout).list()
        except ollama.ResponseError as e:
            assert e.status_code == 401, f"GET /api/tags without a key: status {e.status_code}, expected 401"
        else:
            raise AssertionError("GET /api/tags without an API key succeeded; expected 401")
        return "401 for a wrong key (openai) and for no key (ollama)"

    checks.run("openai models.list", models_list)
    checks.run("openai chat (non-streaming)", chat_non_streaming)
    checks.run("openai chat (streaming, include_usage)", chat_streaming)
    checks.run("openai chat (streaming, no usage unless asked)", chat_stream_without_usage)
    checks.run("openai completions (streaming and not)", completions)
    checks.run("openai stop strings", stop_strings)
    checks.run("openai seed reproducibility", seeds)
    checks.run("openai logprobs/top_logprobs", logprobs)
    checks.run("openai n=2", n_choices)
    checks.run("openai max_tokens/max_completion_tokens", max_tokens)
    checks.run("openai unknown model -> NotFoundError", unknown_model)
    checks.run("openai wrong API key -> AuthenticationError", wrong_key)

    # ---------------------------------------------------------------- ollama

    options = {"temperature": 0, "num_predict": MAX_TOKENS}

    def ollama_list():
        names = [m.model for m in ollama_client.list().models]
        assert model in names or f"{model}:latest" in names, f"/api/tags lists {names}, not {model!r}"
        return f"{len(names)} model(s)"

    def check_counts(r, what):
        assert r.done is True, f"{what}: done = {r.done!r}, expected True"
        assert r.prompt_eval_count and r.prompt_eval_count > 0, f"{what}: prompt_eval_count = {r.prompt_eval_count!r}, expected > 0"
        assert r.eval_count and r.eval_count > 0, f"{what}: eval_count = {r.eval_count!r}, expected > 0"
        assert r.eval_count <= MAX_TOKENS, f"{what}: eval_count = {r.eval_count} > num_predict = {MAX_TOKENS}"
        assert r.done_reason in ("stop", "length"), f"{what}: done_reason = {r.done_reason!r}, expected stop or length"
        if r.done_reason == "length":
            assert r.eval_count == MAX_TOKENS, f"{what}: done_reason 'length' but eval_count = {r.eval_count}, expected {MAX_TOKENS}"

    def ollama_generate():
        r = ollama_client.generate(model=model, prompt=COMPLETION_PROMPT, options=options, stream=False)
        assert isinstance(r.response, str) and r.response, f"response should be a non-empty string, got {r.response!r}"
        check_counts(r, "generate")
        parts, last = [], None
        for part in ollama_client.generate(model=model, prompt=COMPLETION_PROMPT, options=options, stream=True):
            parts.append(part.response or "")
            last = part
        streamed = "".join(parts)
        assert streamed == r.response, f"streamed generate {streamed!r} differs from non-streamed {r.response!r}"
        assert last is not None, "the stream was empty"
        check_counts(last, "streamed generate (last part)")
        assert last.eval_count == r.eval_count, f"streamed eval_count {last.eval_count} != non-streamed {r.eval_count}"
        return f"{short(r.response)}, eval_count={r.eval_count}, prompt_eval_count={r.prompt_eval_count}, {len(parts)} parts"

    def ollama_chat():
        msgs = [{"role": "user", "content": PROMPT}]
        r = ollama_client.chat(model=model, messages=msgs, options=options, stream=False)
        assert r.message.role == "assistant", f"message.role = {r.message.role!r}"
        assert isinstance(r.message.content, str) and r.message.content, f"message.content should be non-empty, got {r.message.content!r}"
        check_counts(r, "chat")
        parts, last = [], None
        for part in ollama_client.chat(model=model, messages=msgs, options=options, stream=True):
            parts.append(part.message.content or "")
            last = part
        streamed = "".join(parts)
        assert streamed == r.message.content, f"streamed chat {streamed!r} differs from non-streamed {r.message.content!r}"
        check_counts(last, "streamed chat (last part)")
        openai_reply = seen.get("chat")
        note = ""
        if openai_reply is not None and openai_reply.choices[0].message.content == r.message.content:
            note = " (same as the OpenAI endpoint)"
        return f"{short(r.message.content)}, eval_count={r.eval_count}, {len(parts)} parts{note}"

    def ollama_show():
        r = ollama_client.show(model)
        assert r.details is not None or r.modelinfo, "show() returned neither details nor model_info"
        fields = [k for k in ("template", "modelfile", "parameters", "details", "modelinfo", "capabilities")
                  if getattr(r, k, None)]
        return "fields: " + ", ".join(fields)

    def ollama_ps():
        names = [m.model or m.name for m in ollama_client.ps().models]
        assert model in names or f"{model}:latest" in names, f"/api/ps lists {names}; expected {model!r} (just used)"
        return f"running: {names}"

    def ollama_version():
        r = httpx.get(base + "/api/version", headers=auth, timeout=args.timeout)
        assert r.status_code == 200, f"GET /api/version: HTTP {r.status_code}"
        version = r.json().get("version")
        assert isinstance(version, str) and version, f"GET /api/version: version = {version!r}"
        return version

    def ollama_unknown_model():
        try:
            ollama_client.generate(model="no-such-model-xyz", prompt="hi", options={"num_predict": 2}, stream=False)
        except ollama.ResponseError as e:
            assert e.status_code == 404, f"status {e.status_code}, expected 404"
            return f"404: {short(e.error, 80)}"
        raise AssertionError("generate with model 'no-such-model-xyz' succeeded; expected ollama.ResponseError (404)")

    checks.run("ollama list", ollama_list)
    checks.run("ollama generate (streaming and not)", ollama_generate)
    checks.run("ollama chat (streaming and not)", ollama_chat)
    checks.run("ollama show", ollama_show)
    checks.run("ollama ps", ollama_ps)
    checks.run("ollama /api/version", ollama_version)
    checks.run("ollama unknown model -> 404", ollama_unknown_model)

    sys.exit(0 if checks.summary() else 1)


if __name__ == "__main__":
    main()
