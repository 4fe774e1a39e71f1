/// The chat page that `realizar serve` answers at `/`: one self-contained HTML file (inline CSS and
/// JavaScript, nothing fetched from elsewhere) that talks to the server's own OpenAI-compatible API.
///
/// - `GET /v1/models` fills the model picker;
/// - `POST /v1/chat/completions` with `stream: true` streams the reply, read from the response body as
///   server-sent events (`data: {...}` chunks, then `data: [DONE]`) and appended as deltas arrive;
/// - the Stop button aborts the request; an optional API key (kept in localStorage) is sent as
///   `Authorization: Bearer KEY`; OpenAI error objects (`{"error":{"message":...}}`) are shown.
///
/// Stable hooks for automation: `#model`, `#prompt`, `#send`, `#stop`, `#messages`, `#api-key`,
/// `#max-tokens`, `#temperature`, `#clear`, `#status`. Each assistant message is a `.assistant` element
/// that gets `data-done="true"` when its stream ends, with `data-status` set to `complete`, `stopped`
/// or `error`.
///
/// The literal is a raw string (`#"""`), so backslashes in the JavaScript are written as they are.
public enum ChatPage {
    public static let html: String = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Realizar</title>
<link rel="icon" href="data:,">
<style>
  :root {
    --bg: #f6f7f9; --panel: #fff; --text: #1d2128; --muted: #6b7280; --border: #d9dde3;
    --accent: #2563eb; --accent-text: #fff; --user: #e8f0fe; --error-bg: #fdecec; --error: #b42318;
  }
  @media (prefers-color-scheme: dark) {
    :root {
      --bg: #15171b; --panel: #1e2126; --text: #e6e8eb; --muted: #9aa1ab; --border: #343941;
      --accent: #3b82f6; --user: #1f2d44; --error-bg: #3a1d1d; --error: #ff8a80;
    }
  }
  * { box-sizing: border-box; }
  html, body { height: 100%; margin: 0; }
  body {
    display: flex; flex-direction: column; background: var(--bg); color: var(--text);
    font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  }
  header {
    display: flex; flex-wrap: wrap; gap: 8px; align-items: center;
    padding: 8px 12px; background: var(--panel); border-bottom: 1px solid var(--border);
  }
  header h1 { font-size: 16px; margin: 0 8px 0 0; }
  header label { display: flex; align-items: center; gap: 4px; font-size: 13px; color: var(--muted); }
  select, input, textarea, button { font: inherit; color: inherit; }
  select, input, textarea {
    background: var(--bg); border: 1px solid var(--border); border-radius: 6px; padding: 4px 6px;
  }
  #model { max-width: 16em; }
  #api-key { width: 8em; }
  #max-tokens, #temperature { width: 4.5em; }
  button {
    border: 1px solid var(--border); border-radius: 6px; padding: 6px 14px;
    background: var(--panel); cursor: pointer;
  }
  button:disabled { opacity: .5; cursor: default; }
  button.primary { background: var(--accent); border-color: var(--accent); color: var(--accent-text); }
  main { flex: 1; overflow-y: auto; padding: 12px; }
  #messages { max-width: 48rem; margin: 0 auto; display: flex; flex-direction: column; gap: 10px; }
  .message {
    padding: 8px 12px; border-radius: 10px; white-space: pre-wrap; overflow-wrap: anywhere;
    max-width: 100%;
  }
  .message .role { display: block; font-size: 12px; font-weight: 600; color: var(--muted); }
  .user { background: var(--user); align-self: flex-end; }
  .assistant { background: var(--panel); border: 1px solid var(--border); align-self: flex-start; }
  .assistant[data-done="false"] .text::after { content: "\25CF"; margin-left: 2px; color: var(--muted); }
  .message .meta { display: block; font-size: 12px; color: var(--muted); margin-top: 4px; }
  .error { background: var(--error-bg); color: var(--error); }
  #empty { color: var(--muted); text-align: center; margin-top: 2em; }
  footer { background: var(--panel); border-top: 1px solid var(--border); padding: 8px 12px; }
  form { max-width: 48rem; margin: 0 auto; display: flex; gap: 8px; align-items: flex-end; }
  #prompt { flex: 1; resize: vertical; min-height: 2.6em; max-height: 40vh; }
  #status { max-width: 48rem; margin: 4px auto 0; font-size: 12px; color: var(--muted); min-height: 1.2em; }
  @media (max-width: 520px) {
    header h1 { width: 100%; }
    form { flex-wrap: wrap; }
    #prompt { flex-basis: 100%; }
    form button { flex: 1; }
  }
</style>
</head>
<body>
<header>
  <h1>Realizar</h1>
  <label>Model <select id="model" aria-label="Model"></select></label>
  <label>Max tokens <input id="max-tokens" type="number" min="1" value="256"></label>
  <label>Temperature <input id="temperature" type="number" min="0" max="2" step="0.1" value="0.7"></label>
  <label>API key <input id="api-key" type="password" autocomplete="off" placeholder="optional"></label>
  <button id="clear" type="button">New chat</button>
</header>
<main id="scroller">
  <div id="messages" aria-live="polite"><p id="empty">Pick a model and say something.</p></div>
</main>
<footer>
  <form id="composer">
    <textarea id="prompt" rows="2" placeholder="Message (Enter to send, Shift+Enter for a new line)"></textarea>
    <button id="send" class="primary" type="submit">Send</button>
    <button id="stop" type="button" disabled>Stop</button>
  </form>
  <div id="status" role="status"></div>
</footer>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
const els = {
  model: $("model"), prompt: $("prompt"), send: $("send"), stop: $("stop"), messages: $("messages"),
  apiKey: $("api-key"), maxTokens: $("max-tokens"), temperature: $("temperature"), clear: $("clear"),
  status: $("status"), scroller: $("scroller"), composer: $("composer"),
};
const conversation = [];     // {role, content} of finished turns, sent with every request
let controller = null;       // AbortController of the request in flight

const KEY_STORAGE = "realizar.apiKey";
const MODEL_STORAGE = "realizar.model";
// localStorage may be unavailable (private windows, file policies): the page works without it.
function load(key) { try { return localStorage.getItem(key) || ""; } catch (e) { return ""; } }
function save(key, value) { try { localStorage.setItem(key, value); } catch (e) {} }
els.apiKey.value = load(KEY_STORAGE);

function headers(json) {
  const h = {};
  if (json) h["Content-Type"] = "application/json";
  const key = els.apiKey.value.trim();
  if (key) h["Authorization"] = "Bearer " + key;
  return h;
}

function setStatus(text) { els.status.textContent = text || ""; }

/** The message of an OpenAI error object, or of whatever else came back. */
async function errorMessage(response) {
  const body = await response.text().catch(() => "");
  try {
    const parsed = JSON.parse(body);
    if (parsed && parsed.error) {
      return typeof parsed.error === "string" ? parsed.error : (parsed.error.message || JSON.stringify(parsed.error));
    }
  } catch (e) {}
  return "HTTP " + response.status + (body ? ": " + body.slice(0, 300) : "");
}

function scrollToEnd() { els.scroller.scrollTop = els.scroller.scrollHeight; }

function addMessage(role, text) {
  $("empty")?.remove();
  const div = document.createElement("div");
  div.className = "message " + role;
  const label = document.createElement("span");
  label.className = "role";
  label.textContent = role === "user" ? "You" : role === "assistant" ? (els.model.value || "assistant") : "Error";
  const body = document.createElement("span");
  body.className = "text";
  body.textContent = text;
  div.append(label, body);
  els.messages.append(div);
  scrollToEnd();
  return div;
}

function showError(text) { addMessage("error", text); }

async function loadModels() {
  setStatus("Loading models…");
  try {
    const response = await fetch("/v1/models", { headers: headers(false) });
    if (!response.ok) throw new Error(await errorMessage(response));
    const list = (await response.json()).data || [];
    const previous = els.model.value || load(MODEL_STORAGE);
    els.model.replaceChildren(...list.map((m) => new Option(m.id, m.id)));
    if (list.some((m) => m.id === previous)) els.model.value = previous;
    setStatus(list.length ? "" : "The server has no models.");
  } catch (e) {
    setStatus("");
    showError("Could not list models: " + e.message);
  }
}

/** Reads a server-sent-events body, calling onData with the text of each `data:` field. */
async function readEvents(body, onData) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  const flush = (block) => {
    const data = block.split(/\r?\n/).filter((l) => l.startsWith("data:"))
      .map((l) => l.slice(5).replace(/^ /, "")).join("\n");
    if (data) onData(data);
  };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      const blocks = buffer.split(/\r?\n\r?\n/);
      buffer = blocks.pop();
      for (const block of blocks) flush(block);
    }
  } catch (e) {
    reader.cancel().catch(() => {});  // an error event or a bad chunk: stop reading the body
    throw e;
  }
  buffer += decoder.decode();
  if (buffer.trim()) flush(buffer);
}

function setBusy(busy) {
  els.send.disabled = busy;
  els.stop.disabled = !busy;
  els.model.disabled = busy;
}

async function send() {
  const prompt = els.prompt.value.trim();
  const model = els.model.value;
  if (!prompt || controller) return;
  if (!model) { showError("No model selected."); return; }

  conversation.push({ role: "user", content: prompt });
  addMessage("user", prompt);
  els.prompt.value = "";
  const message = addMessage("assistant", "");
  message.dataset.done = "false";
  const textNode = message.querySelector(".text");
  let text = "";
  let usage = null;
  let finishReason = null;
  let status = "complete";
  const started = performance.now();

  const request = { model, messages: conversation.slice(), stream: true, stream_options: { include_usage: true } };
  const maxTokens = parseInt(els.maxTokens.value, 10);
  if (maxTokens > 0) request.max_tokens = maxTokens;
  const temperature = parseFloat(els.temperature.value);
  if (!Number.isNaN(temperature)) request.temperature = temperature;

  controller = new AbortController();
  setBusy(true);
  setStatus("Generating…");
  try {
    const response = await fetch("/v1/chat/completions", {
      method: "POST", headers: headers(true), body: JSON.stringify(request), signal: controller.signal,
    });
    if (!response.ok) throw new Error(await errorMessage(response));
    await readEvents(response.body, (data) => {
      if (data === "[DONE]") return;
      const chunk = JSON.parse(data);
      if (chunk.error) throw new Error(chunk.error.message || JSON.stringify(chunk.error));
      if (chunk.usage) usage = chunk.usage;
      const choice = (chunk.choices || [])[0];
      if (!choice) return;
      const delta = choice.delta && choice.delta.content;
      if (delta) {
        text += delta;
        textNode.textContent = text;
        scrollToEnd();
      }
      if (choice.finish_reason) finishReason = choice.finish_reason;
    });
  } catch (e) {
    if (e.name === "AbortError") {
      status = "stopped";
    } else {
      status = "error";
      showError(e.message);
    }
  } finally {
    controller = null;
    setBusy(false);
  }

  if (message.isConnected) {  // not cleared by "New chat" meanwhile
    if (text) conversation.push({ role: "assistant", content: text });
    else if (status !== "complete") conversation.pop();  // nothing came back: drop the turn
  }
  const seconds = (performance.now() - started) / 1000;
  const meta = document.createElement("span");
  meta.className = "meta";
  const parts = [];
  if (status === "stopped") parts.push("stopped");
  if (finishReason === "length") parts.push("cut off at max tokens");
  if (usage) parts.push(usage.completion_tokens + " tokens, " + (usage.completion_tokens / seconds).toFixed(1) + " tok/s");
  meta.textContent = parts.join(" · ");
  if (parts.length) message.append(meta);
  message.dataset.status = status;
  message.dataset.done = "true";
  setStatus("");
  els.prompt.focus();
}

els.composer.addEventListener("submit", (event) => { event.preventDefault(); send(); });
els.prompt.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey && !event.isComposing) { event.preventDefault(); send(); }
});
els.stop.addEventListener("click", () => { if (controller) controller.abort(); });
els.clear.addEventListener("click", () => {
  if (controller) controller.abort();
  conversation.length = 0;
  els.messages.replaceChildren();
  setStatus("");
});
els.model.addEventListener("change", () => save(MODEL_STORAGE, els.model.value));
els.apiKey.addEventListener("change", () => {
  save(KEY_STORAGE, els.apiKey.value.trim());
  loadModels();
});
loadModels();
</script>
</body>
</html>
"""#
}
