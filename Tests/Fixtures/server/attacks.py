#!/usr/bin/env python3
"""The published attack classes against model servers, run at a `realizar serve`; driven by
Tests/RealizarServerTests/AttackTests.swift. After every attack the server must still answer
/health and one ordinary chat request.

usage: python3 attacks.py COMMAND --base-url http://127.0.0.1:PORT --model NAME

commands (each expects the server flags AttackTests gives it):
  requests     unbounded max_tokens / max_completion_tokens / num_predict and n, oversized grammars
               and schemas, bodies and headers: each a 400 (413 for the body) naming the field
               or limit; path traversal in model names on every route that takes one; template
               syntax in messages and chat_template_kwargs (data, never code); metrics counted.
  rebinding    Host headers: loopback names pass, others get 403 on every route.
  allowed      with --allowed-hosts example.com,*.corp.test: those pass, others still get 403.
  slow-reader  a client that stops reading a stream is cut off by --max-stream-buffer; its
               sequences end and the server's other clients are unaffected.
  timeouts     with --request-timeout and --idle-timeout small: a long generation ends at the
               deadline (streaming and not), a trickled body and idle keep-alive connections are
               closed, --max-connections holds connections back until others close.
  templates    a model whose own chat template is hostile (written by write-template-model): a
               runaway loop, a string blow-up, output past --template-max-output (64K), slow work
               past --template-timeout (0.2 s), endless recursion and sandbox escapes each give
               a 400 naming the limit, quickly.
  write-template-model --source GGUF --dest GGUF
               copies a GGUF file with its tokenizer.chat_template replaced by HOSTILE_TEMPLATE.
Prints PASS/FAIL lines; exits 1 on any failure. Every socket has a timeout; loops are bounded.
"""
import argparse
import json
import socket
import struct
import sys
import time
import urllib.parse

import httpx

FAILURES = []


def check(condition, message):
    print(("PASS " if condition else "FAIL ") + message, flush=True)
    if not condition:
        FAILURES.append(message)


def address(args):
    url = urllib.parse.urlsplit(args.base_url)
    return url.hostname, url.port


def raw(args, data, timeout=10, rcvbuf=None):
    """Sends bytes on a fresh connection; returns (status or None, the bytes read until close/timeout)."""
    sock = socket.socket()
    if rcvbuf:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(timeout)
    sock.connect(address(args))
    received = b""
    try:
        sock.sendall(data)
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
            if b"\r\n\r\n" in received and b"content-length" in received.lower():
                head, _, body = received.partition(b"\r\n\r\n")
                length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
                if len(body) >= length:
                    break
    except (socket.timeout, ConnectionResetError, BrokenPipeError):
        pass
    finally:
        sock.close()
    status = None
    if received.startswith(b"HTTP/1.1 "):
        status = int(received[9:12])
    return status, received


def request_bytes(method, path, body=None, host="localhost", extra=""):
    payload = json.dumps(body).encode() if body is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: {len(payload)}\r\n{extra}\r\n"
    return head.encode() + payload


def client(args, timeout=60):
    return httpx.Client(base_url=args.base_url, timeout=timeout)


def chat_body(args, content="Say hello.", **fields):
    return {"model": args.model, "messages": [{"role": "user", "content": content}], "max_tokens": 8, "temperature": 0, **fields}


def still_serving(args, after):
    """/health answers, and so does an ordinary chat request."""
    try:
        with client(args) as c:
            health = c.get("/health")
            chat = c.post("/v1/chat/completions", json=chat_body(args))
            ok = health.status_code == 200 and chat.status_code == 200 and chat.json()["choices"][0]["message"]["content"] is not None
            check(ok, f"still serving after {after} (health {health.status_code}, chat {chat.status_code})")
    except Exception as error:
        check(False, f"still serving after {after}: {error!r}")


def metric(args, name, labels=""):
    text = httpx.get(args.base_url + "/metrics", timeout=10).text
    total = 0.0
    for line in text.splitlines():
        if (line.startswith(name + "{") or line.startswith(name + " ")) and labels in line:
            total += float(line.rsplit(" ", 1)[1])
    return total


def expect_error(c, path, body, status, param, words, what):
    response = c.post(path, json=body)
    try:
        payload = response.json()
    except ValueError:
        payload = {}
    error = payload.get("error", {})
    message = error if isinstance(error, str) else error.get("message", "")
    ok = response.status_code == status and all(word in message for word in words)
    if param is not None and isinstance(error, dict):
        ok = ok and error.get("param") == param
    check(ok, f"{what}: {response.status_code} {str(payload)[:240]}")


# MARK: requests

def requests(args):
    with client(args) as c:
        chat, completions = "/v1/chat/completions", "/v1/completions"
        for value in [10**6, 2**31, 2**62]:
            expect_error(c, chat, chat_body(args, max_tokens=value), 400, "max_tokens", ["max_tokens", "--max-tokens"], f"max_tokens {value}")
        expect_error(c, chat, chat_body(args, max_completion_tokens=10**7), 400, "max_completion_tokens", ["--max-tokens"], "max_completion_tokens 10^7")
        expect_error(c, completions, {"model": args.model, "prompt": "x", "max_tokens": 10**9}, 400, "max_tokens", ["--max-tokens"], "completions max_tokens 10^9")
        expect_error(c, "/api/generate", {"model": args.model, "prompt": "x", "stream": False, "options": {"num_predict": 10**9}}, 400, None,
                     ["options.num_predict", "--max-tokens"], "num_predict 10^9")
        expect_error(c, "/api/chat", {"model": args.model, "messages": [{"role": "user", "content": "x"}], "stream": False,
                                      "options": {"num_predict": 2**40}}, 400, None, ["--max-tokens"], "ollama chat num_predict 2^40")
        for n in [17, 10**6, 2**62, 0, -1]:
            expect_error(c, chat, chat_body(args, n=n), 400, "n", ["--max-choices"], f"n {n}")
        expect_error(c, completions, {"model": args.model, "prompt": ["a"] * 9, "n": 2, "max_tokens": 1}, 400, "n", ["prompts × n"], "9 prompts × n 2")
        expect_error(c, chat, chat_body(args, grammar="root ::= " + " | ".join(['"a"'] * 5000)), 400, "grammar", ["--max-grammar-bytes"], "a 40 KB grammar")
        schema = {"type": "object", "properties": {f"p{i}": {"type": "string"} for i in range(2000)}}
        expect_error(c, chat, chat_body(args, response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": schema}}), 400,
                     "response_format.json_schema.schema", ["--max-grammar-bytes"], "a 50 KB schema")
        expect_error(c, "/api/generate", {"model": args.model, "prompt": "x", "stream": False, "format": schema}, 400, None,
                     ["--max-grammar-bytes"], "an Ollama format schema of 50 KB")
        nested = {"type": "string"}
        for _ in range(400):
            nested = {"type": "array", "items": nested}
        response = c.post(chat, json=chat_body(args, response_format={"type": "json_schema", "json_schema": {"name": "x", "schema": nested}}))
        check(response.status_code in (200, 400), f"a schema nested 400 deep: {response.status_code} {response.text[:200]}")
        check(metric(args, "realizar_limit_refusals_total", 'limit="max_tokens"') >= 5, "refusals by max_tokens counted in /metrics")
        check(metric(args, "realizar_limit_refusals_total", 'limit="max_choices"') >= 5, "refusals by max_choices counted in /metrics")
        check(metric(args, "realizar_limit", 'limit="max_tokens"') == args.max_tokens, "the --max-tokens value is in /metrics")
    still_serving(args, "unbounded max_tokens, n, grammars and schemas")

    big = b"x" * (args.max_body + 1)
    status, _ = raw(args, b"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(big) + big)
    check(status == 413, f"a body past --max-body: {status}")
    status, _ = raw(args, b"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in [b"{" + b" " * 60000] * 4) + b"0\r\n\r\n")
    check(status == 413, f"a chunked body past --max-body: {status}")
    status, received = raw(args, b"GET /health HTTP/1.1\r\nHost: localhost\r\nX-Big: " + b"a" * (args.max_header_bytes + 100) + b"\r\n\r\n")
    check(status in (400, 431, None) and b'"ok"' not in received, f"a header block past --max-header-bytes: {status}")
    status, received = raw(args, b"GET /health HTTP/1.1\r\nHost: localhost\r\n" + b"".join(b"X-%d: y\r\n" % i for i in range(3000)) + b"\r\n")
    check(status in (400, 431, None) and b'"ok"' not in received, f"3000 header fields: {status}")
    still_serving(args, "oversized bodies and headers")

    with client(args) as c:
        names = ["../../etc/passwd", "hf:../../x", "hf:acme/repo:../../../etc/passwd", "/etc/passwd", "~/.ssh/id_rsa", "a/../../b",
                 "x\\..\\..\\y", "..%2f..%2fetc%2fpasswd", "a\nb"]
        for name in names:
            for path, body in [("/v1/chat/completions", chat_body(args) | {"model": name}), ("/api/generate", {"model": name, "prompt": "x", "stream": False}),
                               ("/api/show", {"model": name}), ("/api/pull", {"model": name, "stream": False}), ("/api/copy", {"source": args.model, "destination": name}),
                               ("/v1/embeddings", {"model": name, "input": "x"})]:
                response = c.post(path, json=body)
                check(400 <= response.status_code < 500, f"{path} with model {name!r}: {response.status_code} {response.text[:160]}")
            response = c.request("DELETE", "/api/delete", json={"model": name})
            check(400 <= response.status_code < 500, f"/api/delete {name!r}: {response.status_code}")
            response = c.get("/v1/models/" + urllib.parse.quote(name, safe=""))
            check(400 <= response.status_code < 500, f"/v1/models/{name!r}: {response.status_code}")
    still_serving(args, "path traversal in model names")

    with client(args) as c:
        payloads = ["{{ ''.__class__.__mro__[1].__subclasses__() }}", "{% for i in range(10**9) %}x{% endfor %}",
                    "{{ cycler.__init__.__globals__.os.popen('id').read() }}", "{% include '/etc/passwd' %}", "{{ 'x' * 10**12 }}"]
        for payload in payloads:
            started = time.time()
            response = c.post("/v1/chat/completions", json=chat_body(args, content=payload, max_tokens=2))
            body = response.json() if response.status_code == 200 else {}
            prompt_tokens = body.get("usage", {}).get("prompt_tokens", 0)
            check(response.status_code == 200 and time.time() - started < 30 and prompt_tokens > 5,
                  f"template syntax in a message is text: {payload[:40]!r} → {response.status_code}, {prompt_tokens} prompt tokens")
        kwargs = {"enable_thinking": "{{ ''.__class__ }}", "messages": "x" * 100, "n": 10**12, "range": "{% for i in range(10**9) %}{% endfor %}"}
        response = c.post("/v1/chat/completions", json=chat_body(args, chat_template_kwargs=kwargs, max_tokens=2))
        check(response.status_code in (200, 400), f"hostile chat_template_kwargs: {response.status_code} {response.text[:200]}")
    still_serving(args, "template injection through messages and chat_template_kwargs")


# MARK: rebinding

def rebinding(args):
    _, port = address(args)
    allowed = ["localhost", f"localhost:{port}", "127.0.0.1", f"127.0.0.1:{port}", "127.1.2.3", "[::1]", f"[::1]:{port}",
               "LOCALHOST.", "app.localhost", f"app.localhost:{port}", "127.255.0.9", "[0:0:0:0:0:0:0:1]:80"]
    refused = ["evil.example.com", f"evil.example.com:{port}", "localhost.evil.com", "127.0.0.1.nip.io", "[::2]:80", "0.0.0.0",
               "192.168.1.10", "example.com", "attacker.corp.test", "128.0.0.1", "[::]", "[::1", f"localhost:{port}:9", ""]
    routes = [("GET", "/health", None), ("GET", "/v1/models", None), ("GET", "/api/tags", None), ("GET", "/metrics", None),
              ("GET", "/", None), ("POST", "/v1/chat/completions", chat_body(args)), ("POST", "/api/pull", {"model": args.model, "stream": False}),
              ("OPTIONS", "/v1/chat/completions", None)]
    for host in allowed:
        status, _ = raw(args, request_bytes("GET", "/health", host=host))
        check(status == 200, f"Host {host!r}: {status}")
    for host in refused:
        for method, path, body in routes:
            status, received = raw(args, request_bytes(method, path, body, host=host, extra="Origin: http://evil.example.com\r\n"))
            ok = status == 403 and b"is not allowed" in received
            if host == "":  # an empty Host names no site; it must not pass as one
                ok = status in (400, 403)
            check(ok, f"Host {host!r} {method} {path}: {status}")
    check(metric(args, "realizar_limit_refusals_total", 'limit="allowed_hosts"') >= (len(refused) - 3) * len(routes), "refused hosts counted in /metrics")
    still_serving(args, "DNS rebinding attempts")


def allowed(args):
    _, port = address(args)
    for host in ["example.com", f"example.com:{port}", "EXAMPLE.COM", "example.com.", "a.corp.test", "b.a.corp.test:80", "localhost", "127.0.0.1"]:
        status, _ = raw(args, request_bytes("GET", "/health", host=host))
        check(status == 200, f"allowed Host {host!r}: {status}")
    for host in ["evil.example.com", "corp.test.evil.com", "example.com.evil.com", "notcorp.test", "corp.test", "sub.example.com"]:
        status, _ = raw(args, request_bytes("GET", "/v1/models", host=host))
        check(status == 403, f"still refused Host {host!r}: {status}")
    still_serving(args, "allowed-hosts checks")


# MARK: slow reader

def slow_reader(args):
    body = chat_body(args, content="Write a very long story about a dragon.", max_tokens=900, n=16, stream=True, logprobs=True, top_logprobs=20)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(5)
    sock.connect(address(args))
    sock.sendall(request_bytes("POST", "/v1/chat/completions", body))
    cut_off = False
    started = time.time()
    while time.time() - started < 150:
        time.sleep(1)
        if metric(args, "realizar_limit_refusals_total", 'limit="max_stream_buffer"') >= 1:
            cut_off = True
            break
    check(cut_off, f"a client that stops reading is cut off by --max-stream-buffer (after {time.time() - started:.0f} s)")
    drained, closed = 0, False
    sock.settimeout(10)
    try:
        while True:
            chunk = sock.recv(1 << 20)
            if not chunk:
                closed = True
                break
            drained += len(chunk)
    except (socket.timeout, ConnectionResetError):
        closed = False
    sock.close()
    check(closed, f"its connection was closed after the {drained} bytes the kernel held")
    deadline = time.time() + 10
    while time.time() < deadline and metric(args, "realizar_active_sequences") > 0:
        time.sleep(0.2)
    check(metric(args, "realizar_active_sequences") == 0, "its 16 sequences ended")
    # A reader that keeps up with the same request is never cut off.
    with client(args, timeout=300) as c:
        chunks, done = 0, False
        with c.stream("POST", "/v1/chat/completions", json=body | {"max_tokens": 48}) as response:
            for line in response.iter_lines():
                if line == "data: [DONE]":
                    done = True
                elif line.startswith("data: "):
                    chunks += 1
        check(done and chunks > 16, f"a reader that keeps up gets the whole stream ({chunks} chunks)")
    still_serving(args, "a slow reader")


# MARK: timeouts

def timeouts(args):
    with client(args, timeout=120) as c:
        started = time.time()
        response = c.post("/v1/chat/completions", json=chat_body(args, content="Count from 1 to 1000.", max_tokens=900))
        elapsed = time.time() - started
        body = response.json()
        check(response.status_code == 200 and elapsed < args.request_timeout + 4 and body["usage"]["completion_tokens"] < 900,
              f"a long generation ends at --request-timeout: {elapsed:.1f} s, {body.get('usage')}")
        started = time.time()
        done = False
        with c.stream("POST", "/v1/chat/completions", json=chat_body(args, content="Count from 1 to 1000.", max_tokens=900, stream=True)) as stream:
            for line in stream.iter_lines():
                done = done or line == "data: [DONE]"
        elapsed = time.time() - started
        check(done and elapsed < args.request_timeout + 4, f"a long stream ends properly at --request-timeout: {elapsed:.1f} s")
    check(metric(args, "realizar_limit_refusals_total", 'limit="request_timeout"') >= 2, "timeouts counted in /metrics")
    still_serving(args, "long generations")

    # A body trickled one byte every 0.5 s: the request timeout (plus grace) closes it even though
    # the idle timeout never fires.
    payload = json.dumps(chat_body(args)).encode()
    sock = socket.socket()
    sock.settimeout(2)
    sock.connect(address(args))
    sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(payload))
    started, closed = time.time(), False
    for byte in payload:
        try:
            sock.sendall(bytes([byte]))
            sock.setblocking(False)
            try:
                if sock.recv(1 << 16) == b"":
                    closed = True
                    break
            except BlockingIOError:
                pass
            finally:
                sock.setblocking(True)
                sock.settimeout(2)
        except (BrokenPipeError, ConnectionResetError):
            closed = True
            break
        if time.time() - started > args.request_timeout + 15:
            break
        time.sleep(0.5)
    sock.close()
    check(closed and time.time() - started < args.request_timeout + 15, f"a trickled body is cut off ({time.time() - started:.1f} s)")

    # A body that stalls: the idle timeout closes the connection.
    sock = socket.socket()
    sock.settimeout(args.idle_timeout + 10)
    sock.connect(address(args))
    started = time.time()
    sock.sendall(b"POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{")
    try:
        closed = sock.recv(100) is not None
    except socket.timeout:
        closed = False
    sock.close()
    check(closed and time.time() - started < args.idle_timeout + 5, f"a stalled body is closed by --idle-timeout ({time.time() - started:.1f} s)")

    # Idle keep-alive connections up to --max-connections: a new request waits, then gets in once
    # the idle timeout closes them.
    idle = []
    for _ in range(args.max_connections):
        sock = socket.socket()
        sock.settimeout(30)
        sock.connect(address(args))
        idle.append(sock)
    time.sleep(0.5)
    started = time.time()
    try:
        response = httpx.get(args.base_url + "/health", timeout=args.idle_timeout + 10)
        waited = time.time() - started
        check(response.status_code == 200 and waited > 0.5, f"at --max-connections a new client waits until idle ones are closed ({waited:.1f} s)")
    except Exception as error:
        check(False, f"a client at --max-connections: {error!r}")
    closed = 0
    for sock in idle:
        try:
            sock.settimeout(1)
            closed += sock.recv(1) == b""
        except (socket.timeout, ConnectionResetError):
            pass
        sock.close()
    check(closed == len(idle), f"the idle connections were closed by the server ({closed} of {len(idle)})")
    still_serving(args, "slow senders and idle connections")


# MARK: hostile chat templates

# Chooses its misbehaviour from the last message, so that one model file holds every case; any
# other message gets SmolLM2's ChatML prompt.
HOSTILE_TEMPLATE = (
    "{% set c = messages[-1]['content'] %}"
    "{% if c == 'loop' %}{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}"
    "{% elif c == 'multiply' %}{{ 'x' * 10**12 }}"
    "{% elif c == 'grow' %}{% for i in range(100000) %}{{ 'abcdefgh' * 1000 }}{% endfor %}"
    "{% elif c == 'recurse' %}{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}"
    "{% elif c == 'escape' %}{{ ''.__class__.__mro__[1].__subclasses__() }}"
    "{% elif c == 'globals' %}{{ cycler.__init__.__globals__.os.popen('id').read() }}"
    "{% elif c == 'slow' %}{% for i in range(990) %}{% for j in range(1000) %}{% set x = (c ~ j)|upper|replace('S', 's') %}{% endfor %}{% endfor %}"
    "{% elif c == 'double' %}{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}"
    "{% else %}{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}{% endif %}"
)


def write_template_model(source, dest, template):
    """Rewrites the GGUF header with a new tokenizer.chat_template. Tensor offsets are relative to
    the aligned data section, so the data is copied unchanged after the new header's padding."""
    with open(source, "rb") as f:
        data = f.read()
    position = 0

    def take(fmt):
        nonlocal position
        values = struct.unpack_from("<" + fmt, data, position)
        position += struct.calcsize("<" + fmt)
        return values[0] if len(values) == 1 else values

    def skip_value(kind):
        nonlocal position
        sizes = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
        if kind in sizes:
            position += sizes[kind]
        elif kind == 8:
            position += 8 + take("Q")
        elif kind == 9:
            element, count = take("IQ")
            if element in sizes:
                position += sizes[element] * count
            else:
                for _ in range(count):
                    skip_value(element)
        else:
            raise ValueError(f"unknown GGUF value type {kind}")

    magic, version, tensors, entries = take("IIQQ")
    assert magic == 0x46554747 and version == 3, "not a GGUF v3 file"
    kept, alignment = [], 32
    for _ in range(entries):
        start = position
        key = data[position + 8:position + 8 + struct.unpack_from("<Q", data, position)[0]].decode()
        position += 8 + len(key.encode())
        kind = take("I")
        if key == "general.alignment":
            alignment = struct.unpack_from("<I", data, position)[0]
        skip_value(kind)
        if key != "tokenizer.chat_template":
            kept.append(data[start:position])
    infos_start = position
    for _ in range(tensors):
        position += 8 + take("Q")
        dims = take("I")
        position += 8 * dims + 4 + 8
    infos = data[infos_start:position]
    data_start = (position + alignment - 1) // alignment * alignment
    key, value = b"tokenizer.chat_template", template.encode()
    kept.append(struct.pack("<Q", len(key)) + key + struct.pack("<IQ", 8, len(value)) + value)
    header = struct.pack("<IIQQ", magic, version, tensors, len(kept)) + b"".join(kept) + infos
    header += b"\0" * ((alignment - len(header) % alignment) % alignment)
    with open(dest, "wb") as f:
        f.write(header)
        f.write(data[data_start:])


def templates(args):
    cases = [("loop", ["limit"]), ("multiply", ["string too long"]), ("grow", ["output too large", "65536"]),
             ("recurse", ["recursion"]), ("escape", ["unsafe"]), ("globals", []), ("double", ["string too long"]),
             ("slow", ["took too long", "0.2"])]
    with client(args, timeout=60) as c:
        for content, words in cases:
            for route, body in [("/v1/chat/completions", chat_body(args, content=content)),
                                ("/api/chat", {"model": args.model, "messages": [{"role": "user", "content": content}], "stream": False})]:
                started = time.time()
                response = c.post(route, json=body)
                elapsed = time.time() - started
                text = response.text
                ok = response.status_code == 400 and "template" in text and all(word in text for word in words) and elapsed < 10
                check(ok, f"a hostile model template ({content}) on {route}: {response.status_code} in {elapsed:.2f} s: {text[:220]}")
        response = c.post("/v1/chat/completions", json=chat_body(args, content="Say hello."))
        check(response.status_code == 200, f"an ordinary message through the same template: {response.status_code}")
    still_serving(args, "hostile model templates")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["requests", "rebinding", "allowed", "slow-reader", "timeouts", "templates", "write-template-model"])
    parser.add_argument("--base-url")
    parser.add_argument("--model")
    parser.add_argument("--source")
    parser.add_argument("--dest")
    parser.add_argument("--max-tokens", type=int, default=512)
    parser.add_argument("--max-body", type=int, default=65536)
    parser.add_argument("--max-header-bytes", type=int, default=8192)
    parser.add_argument("--request-timeout", type=float, default=3)
    parser.add_argument("--idle-timeout", type=float, default=2)
    parser.add_argument("--max-connections", type=int, default=8)
    args = parser.parse_args()
    if args.command == "write-template-model":
        write_template_model(args.source, args.dest, HOSTILE_TEMPLATE)
        return
    {"requests": requests, "rebinding": rebinding, "allowed": allowed, "slow-reader": slow_reader, "timeouts": timeouts,
     "templates": templates}[args.command](args)
    print(f"{len(FAILURES)} failures", flush=True)
    sys.exit(1 if FAILURES else 0)


if __name__ == "__main__":
    main()
