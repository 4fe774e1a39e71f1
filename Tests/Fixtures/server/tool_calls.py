#!/usr/bin/env python3
"""Tool calling through the official `openai` and `ollama` clients against `realizar serve`.

usage: python3 tool_calls.py --base-url http://127.0.0.1:PORT --model smollm2-135m-instruct

Forced calls (`tool_choice` required and named) must give calls whose arguments parse as JSON and
validate against the function's schema (jsonschema), streamed and not; a round trip sends the call
and a tool result back and gets a text answer; the ollama client does the same; bad tools and
tool_choice values get 400s naming the field. Temperature 0 and short outputs keep it quick.
Needs openai, ollama, httpx and jsonschema (requirements.txt).
"""
import argparse
import json
import sys

import httpx
import jsonschema
import ollama
import openai

from official_clients import Checks

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Get the current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "description": "The city, e.g. Paris"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["city", "unit"],
            "additionalProperties": False,
        },
    },
}
TIME = {
    "type": "function",
    "function": {
        "name": "get_time",
        "description": "Get the current time in a time zone",
        "parameters": {
            "type": "object",
            "properties": {"timezone": {"type": "string"}, "hour24": {"type": "boolean"}},
            "required": ["timezone"],
        },
    },
}
TOOLS = [WEATHER, TIME]
SCHEMAS = {tool["function"]["name"]: tool["function"]["parameters"] for tool in TOOLS}
QUESTION = [{"role": "user", "content": "What is the weather like in Paris today?"}]
MAX_TOKENS = 200


def check_calls(calls, names=None):
    """Every call names a tool (one of `names`) and has arguments valid for its schema."""
    assert calls, "no tool_calls"
    seen = []
    for call in calls:
        assert call.type == "function", f"type {call.type!r}"
        assert call.id, "no id"
        name = call.function.name
        assert name in (names or SCHEMAS), f"unexpected function {name!r}"
        arguments = json.loads(call.function.arguments)
        jsonschema.validate(arguments, SCHEMAS[name])
        seen.append(f"{name}({call.function.arguments})")
    return ", ".join(seen)


def streamed_calls(stream):
    """The calls of a streamed completion: id, type and name in the first delta of each, then arguments."""
    calls, finish, content = {}, None, ""
    for chunk in stream:
        for choice in chunk.choices:
            delta = choice.delta
            content += delta.content or ""
            for piece in delta.tool_calls or []:
                if piece.index not in calls:
                    assert piece.id and piece.function.name, f"first delta of call {piece.index} lacks id or name: {piece}"
                    calls[piece.index] = {"id": piece.id, "name": piece.function.name, "arguments": ""}
                else:
                    assert piece.function.name is None, f"name repeated: {piece}"
                calls[piece.index]["arguments"] += piece.function.arguments or ""
            finish = choice.finish_reason or finish
    return calls, finish, content


class StreamedCall:
    def __init__(self, entry):
        self.id, self.type = entry["id"], "function"
        self.function = type("F", (), {"name": entry["name"], "arguments": entry["arguments"]})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", required=True)
    args = parser.parse_args()
    client = openai.OpenAI(base_url=args.base_url + "/v1", api_key="none", max_retries=0, timeout=120)
    checks = Checks()

    def required():
        response = client.chat.completions.create(model=args.model, messages=QUESTION, tools=TOOLS, tool_choice="required",
                                                  temperature=0, max_tokens=MAX_TOKENS)
        choice = response.choices[0]
        assert choice.finish_reason == "tool_calls", f"finish_reason {choice.finish_reason!r}"
        return check_calls(choice.message.tool_calls)

    def named():
        response = client.chat.completions.create(model=args.model, messages=QUESTION, tools=TOOLS, temperature=0, max_tokens=MAX_TOKENS,
                                                  tool_choice={"type": "function", "function": {"name": "get_time"}})
        choice = response.choices[0]
        assert choice.finish_reason == "tool_calls", f"finish_reason {choice.finish_reason!r}"
        assert len(choice.message.tool_calls) == 1
        return check_calls(choice.message.tool_calls, names={"get_time"})

    def streamed(tool_choice, names):
        def run():
            stream = client.chat.completions.create(model=args.model, messages=QUESTION, tools=TOOLS, tool_choice=tool_choice,
                                                    temperature=0, max_tokens=MAX_TOKENS, stream=True, parallel_tool_calls=False)
            calls, finish, content = streamed_calls(stream)
            assert finish == "tool_calls", f"finish_reason {finish!r}"
            assert content == "", f"content {content!r} beside the call"
            assert len(calls) == 1, f"parallel_tool_calls false gave {len(calls)} calls"
            return check_calls([StreamedCall(calls[i]) for i in sorted(calls)], names)
        return run

    def stream_matches_whole():
        common = dict(model=args.model, messages=QUESTION, tools=TOOLS, tool_choice="required", temperature=0, max_tokens=MAX_TOKENS)
        whole = client.chat.completions.create(**common).choices[0].message.tool_calls
        calls, _, _ = streamed_calls(client.chat.completions.create(stream=True, **common))
        assert [(c.function.name, c.function.arguments) for c in whole] == [(calls[i]["name"], calls[i]["arguments"]) for i in sorted(calls)], \
            f"streamed {calls} differ from {whole}"

    def round_trip():
        first = client.chat.completions.create(model=args.model, messages=QUESTION, tools=TOOLS, temperature=0, max_tokens=MAX_TOKENS,
                                               tool_choice={"type": "function", "function": {"name": "get_weather"}})
        call = first.choices[0].message.tool_calls[0]
        messages = QUESTION + [
            {"role": "assistant", "content": None, "tool_calls": [call.model_dump()]},
            {"role": "tool", "tool_call_id": call.id, "content": json.dumps({"temperature": 21, "unit": "celsius", "sky": "sunny"})},
        ]
        final = client.chat.completions.create(model=args.model, messages=messages, tools=TOOLS, tool_choice="none",
                                               temperature=0, max_tokens=40)
        choice = final.choices[0]
        assert choice.message.tool_calls is None, f"calls under tool_choice none: {choice.message.tool_calls}"
        assert choice.finish_reason in ("stop", "length") and choice.message.content, f"no answer: {choice}"
        auto = client.chat.completions.create(model=args.model, messages=messages, tools=TOOLS, temperature=0, max_tokens=40)
        assert auto.choices[0].message.content or auto.choices[0].message.tool_calls, "auto gave nothing"
        return f"answer {choice.message.content[:60]!r}"

    def rejected(body, field):
        def run():
            request = {"model": args.model, "messages": QUESTION, "max_tokens": 4, **body}
            response = httpx.post(args.base_url + "/v1/chat/completions", json=request, timeout=60)
            assert response.status_code == 400, f"status {response.status_code}: {response.text}"
            error = response.json()["error"]
            assert error["param"] == field, f"param {error['param']!r}, expected {field!r}: {error['message']}"
            return error["message"]
        return run

    def image_rejected():
        content = [{"type": "text", "text": "What is this?"}, {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}}]
        response = httpx.post(args.base_url + "/v1/chat/completions", timeout=60,
                              json={"model": args.model, "messages": [{"role": "user", "content": content}], "max_tokens": 4})
        assert response.status_code == 400 and "text only" in response.json()["error"]["message"], response.text
        assert response.json()["error"]["param"] == "messages[0].content[1]", response.text

    ollama_client = ollama.Client(host=args.base_url, timeout=120)

    def ollama_forced(stream):
        def run():
            # Ollama has no tool_choice; Realizar reads it from the body like OpenAI's.
            body = {"model": args.model, "messages": QUESTION, "tools": TOOLS, "tool_choice": "required", "stream": stream,
                    "options": {"temperature": 0, "num_predict": MAX_TOKENS}}
            response = httpx.post(args.base_url + "/api/chat", json=body, timeout=120)
            assert response.status_code == 200, response.text
            lines = [json.loads(line) for line in response.text.splitlines() if line.strip()]
            calls = [call for line in lines for call in line["message"].get("tool_calls") or []]
            assert calls, f"no tool_calls in {lines[-2:]}"
            for call in calls:
                jsonschema.validate(call["function"]["arguments"], SCHEMAS[call["function"]["name"]])
            return ", ".join(f"{c['function']['name']}({json.dumps(c['function']['arguments'])})" for c in calls)
        return run

    def ollama_client_round_trip():
        response = ollama_client.chat(model=args.model, messages=QUESTION, tools=TOOLS, options={"temperature": 0, "num_predict": MAX_TOKENS})
        messages = QUESTION + [
            {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "celsius"}}}]},
            {"role": "tool", "tool_name": "get_weather", "content": json.dumps({"temperature": 21, "sky": "sunny"})},
        ]
        for call in response.message.tool_calls or []:
            jsonschema.validate(dict(call.function.arguments), SCHEMAS[call.function.name])
        final = ollama_client.chat(model=args.model, messages=messages, tools=TOOLS, options={"temperature": 0, "num_predict": 40})
        assert final.message.content or final.message.tool_calls, "no answer"
        streamed = list(ollama_client.chat(model=args.model, messages=messages, tools=TOOLS, stream=True,
                                           options={"temperature": 0, "num_predict": 40}))
        assert streamed[-1].done
        return f"first turn {len(response.message.tool_calls or [])} calls; answer {(final.message.content or '')[:60]!r}"

    def ollama_rejected():
        try:
            ollama_client.chat(model=args.model, messages=QUESTION, tools=[{"type": "function", "function": {"name": "bad name!"}}])
        except ollama.ResponseError as error:
            assert error.status_code == 400 and "tools[0].function.name" in error.error, error.error
            return error.error
        raise AssertionError("a tool with a bad name was accepted")

    checks.run("openai tool_choice required", required)
    checks.run("openai tool_choice named", named)
    checks.run("openai streamed required", streamed("required", None))
    checks.run("openai streamed named", streamed({"type": "function", "function": {"name": "get_weather"}}, {"get_weather"}))
    checks.run("openai stream equals whole", stream_matches_whole)
    checks.run("openai round trip", round_trip)
    checks.run("unknown tool_choice name", rejected({"tools": TOOLS, "tool_choice": {"type": "function", "function": {"name": "nope"}}},
                                                    "tool_choice.function.name"))
    checks.run("bad tool_choice", rejected({"tools": TOOLS, "tool_choice": "always"}, "tool_choice"))
    checks.run("tool without function", rejected({"tools": [{"type": "function"}]}, "tools[0].function"))
    checks.run("tool parameters not an object", rejected({"tools": [{"type": "function", "function": {"name": "f", "parameters": 3}}]},
                                                         "tools[0].function.parameters"))
    checks.run("tools not an array", rejected({"tools": {"name": "f"}}, "tools"))
    checks.run("parallel_tool_calls not a boolean", rejected({"tools": TOOLS, "parallel_tool_calls": "yes"}, "parallel_tool_calls"))
    checks.run("image part", image_rejected)
    checks.run("ollama forced call", ollama_forced(False))
    checks.run("ollama forced call streamed", ollama_forced(True))
    checks.run("ollama client round trip", ollama_client_round_trip)
    checks.run("ollama bad tool", ollama_rejected)
    sys.exit(0 if checks.summary() else 1)


if __name__ == "__main__":
    main()
