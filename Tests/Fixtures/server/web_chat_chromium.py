#!/usr/bin/env python3
"""Drives the server's chat page in headless Chromium through the Chrome DevTools Protocol.

usage: python3 web_chat_chromium.py --url http://127.0.0.1:PORT/ --screenshot OUT.png
                                    [--api-key KEY] [--timeout 120] [--prompt TEXT] [--max-tokens 32]

Starts chromium (--headless=new, a throwaway profile), opens the page, waits for the model picker
(#model) to be filled from GET /v1/models, types a prompt into #prompt, clicks #send with a real mouse
click, and watches the last .assistant element: its text must grow in at least two distinct steps
before it gets data-done="true" (so the reply really streamed), and end non-empty. Then it saves a
screenshot and exits 0. On any failure it says why, with the page's console messages and errors, and
exits 1. Chromium is killed in every case, timeouts included.

Needs the pip package websocket-client (requirements.txt) and a Chromium binary (Debian: apt-get
install -y chromium; --chromium to point elsewhere).
"""
import argparse
import base64
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

import websocket  # pip install websocket-client


class Failure(Exception):
    pass


class Chromium:
    """A headless Chromium in its own process group, with a throwaway profile."""

    def __init__(self, binary, extra_args=()):
        self.profile = tempfile.mkdtemp(prefix="realizar-chromium-")
        self.stderr_lines = []
        self.ws_url = None
        command = [
            binary, "--headless=new", "--remote-debugging-port=0", f"--user-data-dir={self.profile}",
            "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
            "--disable-extensions", "--disable-background-networking", "--disable-sync",
            "--window-size=1000,800", *extra_args, "about:blank",
        ]
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, start_new_session=True)
        self.reader = threading.Thread(target=self._read_stderr, daemon=True)
        self.reader.start()

    def _read_stderr(self):
        # Keeps draining stderr (a full pipe would stall chromium) and notes the DevTools address.
        for raw in self.process.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            self.stderr_lines.append(line)
            if "DevTools listening on " in line and self.ws_url is None:
                self.ws_url = line.split("DevTools listening on ", 1)[1].strip()

    def devtools_url(self, deadline):
        """The browser's websocket address, from stderr or else from DevToolsActivePort."""
        port_file = os.path.join(self.profile, "DevToolsActivePort")
        while time.monotonic() < deadline:
            if self.ws_url:
                return self.ws_url
            try:
                with open(port_file) as f:
                    port, path = f.read().split("\n")[:2]
                if port.strip() and path.strip():
                    return f"ws://127.0.0.1:{port.strip()}{path.strip()}"
            except (OSError, ValueError):
                pass
            if self.process.poll() is not None:
                raise Failure(f"chromium exited with status {self.process.returncode} before DevTools was up")
            time.sleep(0.05)
        raise Failure("chromium did not report its DevTools address in time")

    def kill(self):
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)  # the group we started: browser, renderers, gpu
                self.process.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        try:
            os.killpg(self.process.pid, signal.SIGKILL)  # leftovers of the group, if any
        except ProcessLookupError:
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        shutil.rmtree(self.profile, ignore_errors=True)


class DevTools:
    """A minimal CDP client over one websocket to the browser, with flattened target sessions."""

    def __init__(self, ws_url, deadline):
        self.deadline = deadline
        self.ws = websocket.create_connection(ws_url, timeout=self.remaining(), suppress_origin=True,
                                              enable_multithread=False)
        self.next_id = 0
        self.console = []  # (kind, text) of console calls, exceptions and log entries, in order

    def remaining(self):
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise Failure("timed out")
        return left

    def call(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.ws.send(json.dumps(message))
        while True:
            self.ws.settimeout(self.remaining())
            try:
                reply = json.loads(self.ws.recv())
            except websocket.WebSocketTimeoutException:
                raise Failure(f"timed out waiting for the answer to {method}") from None
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise Failure(f"{method} failed: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.on_event(reply["method"], reply.get("params", {}))

    def on_event(self, method, params):
        if method == "Runtime.consoleAPICalled":
            parts = []
            for arg in params.get("args", []):
                parts.append(str(arg["value"]) if "value" in arg else arg.get("description", arg.get("type", "?")))
            self.console.append((f"console.{params.get('type')}", " ".join(parts)))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text", "")
            self.console.append(("exception", f"{text} (line {details.get('lineNumber')})"))
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            url = f" [{entry['url']}]" if entry.get("url") else ""
            self.console.append((f"log.{entry.get('level')}", entry.get("text", "") + url))

    def close(self):
        try:
            self.ws.close()
        except Exception:
            pass


class Page:
    def __init__(self, devtools, session):
        self.devtools, self.session = devtools, session

    def call(self, method, params=None):
        return self.devtools.call(method, params, self.session)

    def eval(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        if "exceptionDetails" in result:
            details = result["exceptionDetails"]
            raise Failure(f"evaluating {expression[:80]!r} threw: "
                          f"{details.get('exception', {}).get('description') or details.get('text')}")
        return result["result"].get("value")

    def wait_for(self, expression, what, interval=0.1):
        while True:
            value = self.eval(expression)
            if value:
                return value
            if time.monotonic() + interval >= self.devtools.deadline:
                raise Failure(f"timed out waiting for {what}")
            time.sleep(interval)

    def click(self, selector):
        box = self.eval(f"""(() => {{
            const el = document.querySelector({json.dumps(selector)});
            if (!el) return null;
            el.scrollIntoView({{block: "center"}});
            const r = el.getBoundingClientRect();
            return {{x: r.left + r.width / 2, y: r.top + r.height / 2, disabled: !!el.disabled}};
        }})()""")
        if box is None:
            raise Failure(f"no element {selector}")
        if box["disabled"]:
            raise Failure(f"{selector} is disabled")
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent",
                      {"type": kind, "x": box["x"], "y": box["y"], "button": "left", "clickCount": 1})


# The last assistant message: its reply text (the .text child when there is one), whether its
# stream has finished, and how it ended.
LAST_ASSISTANT = """(() => {
    const all = document.querySelectorAll("#messages .assistant");
    const el = all[all.length - 1];
    if (!el) return {count: 0};
    const body = el.querySelector(".text") || el;
    return {count: all.length, text: body.textContent, done: el.getAttribute("data-done") === "true",
            status: el.getAttribute("data-status")};
})()"""

PAGE_ERRORS = """Array.from(document.querySelectorAll("#messages .error"))
    .map(e => (e.querySelector(".text") || e).textContent)"""


def set_field(page, selector, value):
    ok = page.eval(f"""(() => {{
        const el = document.querySelector({json.dumps(selector)});
        if (!el) return false;
        el.focus();
        el.value = {json.dumps(value)};
        el.dispatchEvent(new Event("input", {{bubbles: true}}));
        el.dispatchEvent(new Event("change", {{bubbles: true}}));
        return true;
    }})()""")
    if not ok:
        raise Failure(f"no element {selector}")


def run(args, chromium, log):
    deadline = time.monotonic() + args.timeout
    devtools = DevTools(chromium.devtools_url(deadline), deadline)
    try:
        target = devtools.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = devtools.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(devtools, session)
        page.call("Runtime.enable")
        page.call("Log.enable")
        page.call("Page.enable")
        page.call("Emulation.setDeviceMetricsOverride",
                  {"width": args.width, "height": args.height, "deviceScaleFactor": 1, "mobile": False})
        if args.api_key:
            # What the page's API key field stores; it reads it back on load and sends it as Bearer.
            page.call("Page.addScriptToEvaluateOnNewDocument", {"source":
                      f"try {{ localStorage.setItem('realizar.apiKey', {json.dumps(args.api_key)}); }} catch (e) {{}}"})

        navigation = page.call("Page.navigate", {"url": args.url})
        if navigation.get("errorText"):
            raise Failure(f"could not open {args.url}: {navigation['errorText']}")
        page.wait_for("document.readyState === 'complete'", "the page to load")
        log(f"opened {args.url}: {page.eval('document.title')!r}")

        missing = page.eval("""["#model", "#prompt", "#send", "#stop", "#messages"]
            .filter(s => !document.querySelector(s))""")
        if missing:
            raise Failure(f"the page lacks {', '.join(missing)}")
        if args.api_key and page.eval("document.querySelector('#api-key')?.value") != args.api_key:
            raise Failure("the API key set in localStorage did not show up in #api-key")

        # The picker is filled from GET /v1/models; an error shown instead (say a 401) ends the wait.
        models = page.wait_for(f"""(() => {{
            const models = Array.from(document.querySelectorAll("#model option")).map(o => o.value);
            const errors = {PAGE_ERRORS};
            return models.length || errors.length ? {{models, errors}} : null;
        }})()""", "#model to get an option (from GET /v1/models)")
        if not models["models"]:
            raise Failure(f"#model stayed empty; the page shows: {' | '.join(models['errors'])}")
        models = models["models"]
        if args.model:
            if args.model not in models:
                raise Failure(f"#model offers {models}, not {args.model!r}")
            set_field(page, "#model", args.model)
        chosen = page.eval("document.querySelector('#model').value")
        log(f"models offered: {models}; using {chosen!r}")

        # Keep the reply short and deterministic where the page has these settings.
        if page.eval("!!document.querySelector('#max-tokens')"):
            set_field(page, "#max-tokens", str(args.max_tokens))
        if page.eval("!!document.querySelector('#temperature')"):
            set_field(page, "#temperature", "0")

        before = page.eval(LAST_ASSISTANT)["count"]
        set_field(page, "#prompt", args.prompt)
        page.click("#send")
        log(f"sent {args.prompt!r}")

        # Watch the reply grow until the page marks the message done.
        steps, last_text, state = [], "", None
        started = time.monotonic()
        while True:
            state = page.eval(LAST_ASSISTANT)
            if state["count"] > before:
                text = state.get("text") or ""
                if text != last_text:
                    if not text.startswith(last_text):
                        raise Failure(f"the reply changed instead of growing: {last_text!r} -> {text!r}")
                    if not state["done"]:
                        steps.append((round(time.monotonic() - started, 3), len(text)))
                    last_text = text
                if state["done"]:
                    break
            elif time.monotonic() - started > 5:
                errors = page.eval(PAGE_ERRORS)
                if errors:
                    raise Failure(f"no assistant message appeared; the page shows: {' | '.join(errors)}")
            if time.monotonic() + args.poll >= deadline:
                raise Failure(f"timed out waiting for data-done=\"true\" (reply so far {last_text!r}, "
                              f"{len(steps)} growth steps)")
            time.sleep(args.poll)

        final = state.get("text") or ""
        errors = page.eval(PAGE_ERRORS)
        log(f"reply ({len(final)} chars, status {state.get('status')!r}): {final!r}")
        log(f"growth steps before done (seconds, length): {steps}")
        if errors:
            raise Failure(f"the page shows an error: {' | '.join(errors)}")
        if state.get("status") not in (None, "complete"):
            raise Failure(f"the reply ended with data-status={state.get('status')!r}")
        if not final.strip():
            raise Failure("the finished reply is empty")
        if len(steps) < 2:
            raise Failure(f"the reply grew in {len(steps)} step(s) before it was done; expected at least 2 "
                          f"(is the response streamed, or buffered and sent at once?)")

        shot = page.call("Page.captureScreenshot", {"format": "png"})
        with open(args.screenshot, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        log(f"screenshot: {args.screenshot}")
        return devtools
    except Exception:
        report_console(devtools, log)
        raise
    finally:
        devtools.close()


def report_console(devtools, log):
    shown = [(kind, text) for kind, text in devtools.console if kind not in ("log.verbose", "console.debug")]
    log("page console:" + ("" if shown else " (nothing)"))
    for kind, text in shown:
        log(f"  {kind}: {text}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="the chat page, e.g. http://127.0.0.1:8080/")
    parser.add_argument("--screenshot", required=True, help="where to save a PNG of the page at the end")
    parser.add_argument("--api-key", help="the server's API key, when it requires one")
    parser.add_argument("--timeout", type=float, default=120, help="seconds for the whole run (default 120)")
    parser.add_argument("--prompt", default="Write a short paragraph about the sea.")
    parser.add_argument("--model", help="pick this model in #model (default: the page's choice)")
    parser.add_argument("--max-tokens", type=int, default=32, help="set in #max-tokens (default 32)")
    parser.add_argument("--poll", type=float, default=0.02, help="seconds between looks at the reply")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--width", type=int, default=900)
    parser.add_argument("--height", type=int, default=700)
    args = parser.parse_args()

    def log(line):
        print(line, flush=True)

    def on_alarm(signum, frame):
        raise Failure(f"gave up after {args.timeout:.0f}s (hard limit)")

    # A hard limit on top of the deadlines inside, so that nothing can hang the run.
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(int(args.timeout) + 15)
    chromium = None
    try:
        if not os.path.exists(args.chromium):
            raise Failure(f"no chromium at {args.chromium} (apt-get install -y chromium, or --chromium PATH)")
        chromium = Chromium(args.chromium)
        devtools = run(args, chromium, log)
        warnings = [(k, t) for k, t in devtools.console if k in ("console.error", "exception", "log.error")]
        for kind, text in warnings:
            log(f"note: page {kind}: {text}")
        log("PASS: the page streamed a reply")
        return 0
    except Exception as e:
        reason = str(e) if isinstance(e, Failure) else f"{type(e).__name__}: {e}"
        log(f"FAIL: {reason}")
        if chromium is not None and chromium.process.poll() is not None:
            log("chromium stderr (last lines):\n  " + "\n  ".join(chromium.stderr_lines[-15:]))
        return 1
    finally:
        signal.alarm(0)
        if chromium is not None:
            chromium.kill()


if __name__ == "__main__":
    sys.exit(main())
