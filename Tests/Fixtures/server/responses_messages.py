#!/usr/bin/env python3
"""OpenAI's Responses API and Anthropic's Messages API through their official clients against `realizar serve`.

usage: python3 responses_messages.py --base-url http://127.0.0.1:PORT --model smollm2-135m-instruct [--api-key KEY]

The `openai` client's responses.create (text; streamed, with the documented event sequence; a
function tool under tool_choice required whose arguments validate with jsonschema, streamed and
not; a function_call_output round trip; text.format json_schema) and the `anthropic` client's
messages.create, messages.stream (text; tools under tool_choice any and tool; a tool_result round
trip; stop_sequences) and messages.count_tokens. Token counts are checked against the tokenizer:
count_tokens equals POST /tokenize of the prompt rendered with the model's own template (jinja2,
as transformers renders it), and each answer's usage equals count_tokens. Malformed and
out-of-range fields get 400s naming the field in each dialect's error shape, and the server keeps
serving. With --api-key the server has that key: the openai client sends it as a bearer token, the
anthropic client as x-api-key, and a wrong key gets Anthropic's authentication_error.
Temperature 0 and short outputs keep it quick. Needs openai, anthropic, httpx, jsonschema, jinja2.
"""
import argparse
import json
import sys

import anthropic
import httpx
import jinja2.sandbox
import jsonschema
import openai

from official_clients import Checks

WEATHER_SCHEMA = {
    "type": "object",
    "properties": {
        "city": {"type": "string", "description": "The city, e.g. Paris"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
    },
    "required": ["city", "unit"],
    "additionalProperties": False,
}
TIME_SCHEMA = {"type": "object", "properties": {"timezone": {"type": "string"}}, "required": ["timezone"]}
SCHEMAS = {"get_weather": WEATHER_SCHEMA, "get_time": TIME_SCHEMA}
RESPONSES_TOOLS = [
    {"type": "function", "name": "get_weather", "description": "Get the current weather in a city", "parameters": WEATHER_SCHEMA, "strict": True},
    {"type": "function", "name": "get_time", "description": "Get the current time in a time zone", "parameters": TIME_SCHEMA},
]
ANTHROPIC_TOOLS = [
    {"name": "get_weather", "description": "Get the current weather in a city", "input_schema": WEATHER_SCHEMA},
    {"name": "get_time", "description": "Get the current time in a time zone", "input_schema": TIME_SCHEMA},
]
QUESTION = "What is the weather like in Paris today?"
MAX_TOKENS = 200
# The anthropic client has no sampling arguments (newer models fix them); the API still takes them.
GREEDY = {"temperature": 0}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--api-key")
    args = parser.parse_args()
    key = args.api_key or "none"
    model = args.model
    client = openai.OpenAI(base_url=args.base_url + "/v1", api_key=key, max_retries=0, timeout=120)
    claude = anthropic.Anthropic(base_url=args.base_url, api_key=key, max_retries=0, timeout=120)
    headers = {"Authorization": f"Bearer {key}"} if args.api_key else {}
    checks = Checks()

    template = json.loads(httpx.post(args.base_url + "/api/show", json={"model": model}, headers=headers, timeout=60).text)["template"]
    environment = jinja2.sandbox.ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)

    def tokenizer_count(messages):
        """The prompt's tokens as the tokenizer counts them: the model's template rendered by jinja2, then POST /tokenize."""
        text = environment.from_string(template).render(messages=messages, add_generation_prompt=True, bos_token="", eos_token="")
        response = httpx.post(args.base_url + "/tokenize", json={"model": model, "content": text}, headers=headers, timeout=60)
        return len(response.json()["tokens"])

    def count_tokens(**body):
        return claude.messages.count_tokens(model=model, **body).input_tokens

    # MARK: Responses

    def responses_text():
        response = client.responses.create(model=model, input="Say hello in one short sentence.", max_output_tokens=30, temperature=0)
        assert response.id.startswith("resp_") and response.object == "response", f"id {response.id!r}, object {response.object!r}"
        assert response.status in ("completed", "incomplete"), f"status {response.status!r}"
        assert response.output_text, f"no text in {response.output}"
        if response.status == "incomplete":
            assert response.incomplete_details.reason == "max_output_tokens", response.incomplete_details
        expected = tokenizer_count([{"role": "user", "content": "Say hello in one short sentence."}])
        usage = response.usage
        assert usage.input_tokens == expected, f"input_tokens {usage.input_tokens}, tokenizer {expected}"
        assert usage.output_tokens <= 30 and usage.total_tokens == usage.input_tokens + usage.output_tokens, usage
        assert usage.input_tokens_details.cached_tokens <= usage.input_tokens, usage
        return f"{response.output_text[:50]!r}; usage {usage.input_tokens}+{usage.output_tokens}"

    def responses_instructions():
        response = client.responses.create(model=model, instructions="You are a pirate.", input=[
            {"role": "user", "content": [{"type": "input_text", "text": "Hello!"}]}], max_output_tokens=10, temperature=0)
        expected = tokenizer_count([{"role": "system", "content": "You are a pirate."}, {"role": "user", "content": "Hello!"}])
        assert response.usage.input_tokens == expected, f"input_tokens {response.usage.input_tokens}, tokenizer {expected}"
        return response.output_text[:50]

    def responses_stream():
        stream = client.responses.create(model=model, input="Count from one to five.", max_output_tokens=40, temperature=0, stream=True)
        events = list(stream)
        types = [event.type for event in events]
        numbers = [event.sequence_number for event in events]
        assert numbers == list(range(len(events))), f"sequence numbers {numbers}"
        assert types[:4] == ["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"], types[:4]
        assert types[-4:] == ["response.output_text.done", "response.content_part.done", "response.output_item.done",
                              types[-1]] and types[-1] in ("response.completed", "response.incomplete"), types[-4:]
        assert set(types[4:-4]) == {"response.output_text.delta"}, f"between: {set(types[4:-4])}"
        text = "".join(event.delta for event in events if event.type == "response.output_text.delta")
        done = next(event for event in events if event.type == "response.output_text.done")
        final = events[-1].response
        assert done.text == text == final.output_text, f"deltas {text!r}, done {done.text!r}, final {final.output_text!r}"
        assert final.usage.input_tokens == tokenizer_count([{"role": "user", "content": "Count from one to five."}]), final.usage
        whole = client.responses.create(model=model, input="Count from one to five.", max_output_tokens=40, temperature=0)
        assert whole.output_text == text, f"streamed {text!r} differs from {whole.output_text!r}"
        return f"{len(events)} events, {text[:40]!r}"

    def function_calls(output):
        calls = [item for item in output if item.type == "function_call"]
        assert calls, f"no function_call in {output}"
        for call in calls:
            assert call.call_id and call.name in SCHEMAS, call
            jsonschema.validate(json.loads(call.arguments), SCHEMAS[call.name])
        return calls

    def responses_required():
        response = client.responses.create(model=model, input=QUESTION, tools=RESPONSES_TOOLS, tool_choice="required",
                                           temperature=0, max_output_tokens=MAX_TOKENS)
        calls = function_calls(response.output)
        assert response.status == "completed", response.status
        body = {"messages": [{"role": "user", "content": QUESTION}], "tools": ANTHROPIC_TOOLS}
        expected = count_tokens(**body)
        assert response.usage.input_tokens == expected, f"input_tokens {response.usage.input_tokens}, count_tokens {expected}"
        return ", ".join(f"{c.name}({c.arguments})" for c in calls)

    def responses_named_streamed():
        stream = client.responses.create(model=model, input=QUESTION, tools=RESPONSES_TOOLS, temperature=0, max_output_tokens=MAX_TOKENS,
                                         tool_choice={"type": "function", "name": "get_time"}, parallel_tool_calls=False, stream=True)
        events = list(stream)
        types = [event.type for event in events]
        assert "response.function_call_arguments.delta" in types, types
        added = [event.item for event in events if event.type == "response.output_item.added"]
        assert [item.type for item in added] == ["function_call"], f"items {[item.type for item in added]}"
        deltas = "".join(event.delta for event in events if event.type == "response.function_call_arguments.delta")
        done = next(event for event in events if event.type == "response.function_call_arguments.done")
        assert deltas == done.arguments, f"deltas {deltas!r}, done {done.arguments!r}"
        calls = function_calls(events[-1].response.output)
        assert [c.name for c in calls] == ["get_time"] and calls[0].arguments == deltas, calls
        return deltas

    def responses_round_trip():
        first = client.responses.create(model=model, input=QUESTION, tools=RESPONSES_TOOLS, temperature=0, max_output_tokens=MAX_TOKENS,
                                        tool_choice={"type": "function", "name": "get_weather"})
        call = function_calls(first.output)[0]
        items = [
            {"role": "user", "content": QUESTION},
            {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments},
            {"type": "function_call_output", "call_id": call.call_id, "output": json.dumps({"temperature": 21, "sky": "sunny"})},
        ]
        final = client.responses.create(model=model, input=items, tools=RESPONSES_TOOLS, tool_choice="none", temperature=0, max_output_tokens=40)
        assert final.output_text and not [i for i in final.output if i.type == "function_call"], final.output
        return f"answer {final.output_text[:60]!r}"

    def responses_json_schema():
        schema = {"type": "object", "properties": {"name": {"type": "string"}, "age": {"type": "integer"}},
                  "required": ["name", "age"], "additionalProperties": False}
        response = client.responses.create(model=model, input="Invent a person.", temperature=0, max_output_tokens=MAX_TOKENS,
                                           text={"format": {"type": "json_schema", "name": "person", "schema": schema, "strict": True}})
        value = json.loads(response.output_text)
        jsonschema.validate(value, schema)
        return response.output_text

    def openai_rejected(body, field):
        def run():
            request = {"model": model, "input": "hi", "max_output_tokens": 4, **body}
            response = httpx.post(args.base_url + "/v1/responses", json=request, headers=headers, timeout=60)
            assert response.status_code == 400, f"status {response.status_code}: {response.text}"
            error = response.json()["error"]
            assert error["param"] == field, f"param {error['param']!r}, expected {field!r}: {error['message']}"
            assert error["type"] == "invalid_request_error", error
            return error["message"]
        return run

    def openai_client_rejected():
        try:
            client.responses.create(model=model, input="hi", previous_response_id="resp_123")
        except openai.BadRequestError as error:
            assert error.body["param"] == "previous_response_id", error.body
            return error.body["message"]
        raise AssertionError("previous_response_id was accepted")

    # MARK: Messages

    def messages_text():
        message = claude.messages.create(model=model, max_tokens=30, extra_body=GREEDY,
                                         messages=[{"role": "user", "content": "Say hello in one short sentence."}])
        assert message.id.startswith("msg_") and message.type == "message" and message.role == "assistant", message
        assert message.content and message.content[0].type == "text" and message.content[0].text, message.content
        assert message.stop_reason in ("end_turn", "max_tokens"), message.stop_reason
        expected = tokenizer_count([{"role": "user", "content": "Say hello in one short sentence."}])
        counted = count_tokens(messages=[{"role": "user", "content": "Say hello in one short sentence."}])
        usage = message.usage
        assert counted == expected, f"count_tokens {counted}, tokenizer {expected}"
        assert usage.input_tokens + usage.cache_read_input_tokens == expected, f"usage {usage}, tokenizer {expected}"
        return f"{message.content[0].text[:50]!r}; usage {usage.input_tokens}+{usage.cache_read_input_tokens} cached, {usage.output_tokens} out"

    def messages_system_blocks():
        system = [{"type": "text", "text": "You are a pirate."}]
        messages = [{"role": "user", "content": [{"type": "text", "text": "Hello!"}]}]
        counted = count_tokens(system=system, messages=messages)
        expected = tokenizer_count([{"role": "system", "content": "You are a pirate."}, {"role": "user", "content": "Hello!"}])
        assert counted == expected, f"count_tokens {counted}, tokenizer {expected}"
        message = claude.messages.create(model=model, max_tokens=10, extra_body=GREEDY, system=system, messages=messages)
        assert message.usage.input_tokens + message.usage.cache_read_input_tokens == expected, message.usage
        return message.content[0].text[:50]

    def messages_stream():
        request = dict(model=model, max_tokens=40, messages=[{"role": "user", "content": "Count from one to five."}])
        types, text = [], ""
        with claude.messages.stream(extra_body=GREEDY, **request) as stream:
            for event in stream:
                types.append(event.type)
                if event.type == "content_block_delta":
                    text += event.delta.text
            final = stream.get_final_message()
        # The SDK adds its own "text" events beside the protocol's and leaves out pings.
        protocol = [t for t in types if t != "text"]
        assert protocol[:2] == ["message_start", "content_block_start"], protocol[:2]
        assert protocol[-3:] == ["content_block_stop", "message_delta", "message_stop"], protocol[-3:]
        assert set(protocol[2:-3]) == {"content_block_delta"}, set(protocol[2:-3])
        # On the wire: each event's name matches its data's type, a ping after the first block starts.
        raw = httpx.post(args.base_url + "/v1/messages", json={**request, **GREEDY, "stream": True}, timeout=120,
                         headers={"x-api-key": key, "anthropic-version": "2023-06-01"}).text
        wire = []
        for chunk in raw.strip().split("\n\n"):
            name_line, data_line = chunk.split("\n")
            name, data = name_line.removeprefix("event: "), json.loads(data_line.removeprefix("data: "))
            assert data["type"] == name, f"event {name!r} carries {data['type']!r}"
            wire.append(name)
        assert wire[:3] == ["message_start", "content_block_start", "ping"] and wire[-3:] == protocol[-3:], wire
        assert final.content[0].text == text and text, f"final {final.content}, deltas {text!r}"
        whole = claude.messages.create(extra_body=GREEDY, **request)
        assert whole.content[0].text == text, f"streamed {text!r} differs from {whole.content[0].text!r}"
        expected = count_tokens(messages=request["messages"])
        assert final.usage.input_tokens + final.usage.cache_read_input_tokens == expected, f"usage {final.usage}, count_tokens {expected}"
        assert final.usage.output_tokens == whole.usage.output_tokens, (final.usage, whole.usage)
        return f"{len(protocol)} events, {text[:40]!r}"

    def tool_uses(message, names=None):
        uses = [block for block in message.content if block.type == "tool_use"]
        assert uses, f"no tool_use in {message.content}"
        for use in uses:
            assert use.id.startswith("toolu_") and use.name in (names or SCHEMAS), use
            jsonschema.validate(use.input, SCHEMAS[use.name])
        assert message.stop_reason == "tool_use", message.stop_reason
        return uses

    def messages_tool_any():
        body = dict(max_tokens=MAX_TOKENS, messages=[{"role": "user", "content": QUESTION}], tools=ANTHROPIC_TOOLS)
        message = claude.messages.create(model=model, extra_body=GREEDY, tool_choice={"type": "any"}, **body)
        uses = tool_uses(message)
        counted = count_tokens(messages=body["messages"], tools=ANTHROPIC_TOOLS)
        assert message.usage.input_tokens + message.usage.cache_read_input_tokens == counted, f"usage {message.usage}, count_tokens {counted}"
        return ", ".join(f"{u.name}({json.dumps(u.input)})" for u in uses)

    def messages_tool_named_streamed():
        with claude.messages.stream(model=model, max_tokens=MAX_TOKENS, extra_body=GREEDY, messages=[{"role": "user", "content": QUESTION}],
                                    tools=ANTHROPIC_TOOLS, tool_choice={"type": "tool", "name": "get_time", "disable_parallel_tool_use": True}) as stream:
            partial = "".join(event.delta.partial_json for event in stream
                              if event.type == "content_block_delta" and event.delta.type == "input_json_delta")
            final = stream.get_final_message()
        uses = tool_uses(final, names={"get_time"})
        assert len(uses) == 1 and json.loads(partial) == uses[0].input, f"partial {partial!r}, input {uses[0].input}"
        return partial

    def messages_round_trip():
        first = claude.messages.create(model=model, max_tokens=MAX_TOKENS, extra_body=GREEDY, messages=[{"role": "user", "content": QUESTION}],
                                       tools=ANTHROPIC_TOOLS, tool_choice={"type": "tool", "name": "get_weather"})
        use = tool_uses(first, names={"get_weather"})[0]
        messages = [
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": [block.model_dump() for block in first.content]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": use.id,
                                          "content": json.dumps({"temperature": 21, "sky": "sunny"})}]},
        ]
        final = claude.messages.create(model=model, max_tokens=40, extra_body=GREEDY, messages=messages, tools=ANTHROPIC_TOOLS,
                                       tool_choice={"type": "none"})
        assert final.content and final.content[0].type == "text" and final.content[0].text, final.content
        assert not [b for b in final.content if b.type == "tool_use"] and final.stop_reason in ("end_turn", "max_tokens"), final
        return f"answer {final.content[0].text[:60]!r}"

    def messages_stop_sequence():
        request = dict(model=model, max_tokens=40, extra_body=GREEDY, messages=[{"role": "user", "content": "Count from one to five."}])
        free = claude.messages.create(**request).content[0].text
        words = free.split()
        assert len(words) >= 3, f"too short to cut: {free!r}"
        stop = words[2]
        cut = claude.messages.create(stop_sequences=["zzzz", stop], **request)
        assert cut.stop_reason == "stop_sequence" and cut.stop_sequence == stop, f"{cut.stop_reason} {cut.stop_sequence!r}, expected {stop!r}"
        assert free.startswith(cut.content[0].text) and stop not in cut.content[0].text, f"{cut.content[0].text!r} of {free!r}"
        return f"stopped at {stop!r}: {cut.content[0].text!r}"

    def messages_prefill():
        messages = [{"role": "user", "content": "What is the capital of France?"}, {"role": "assistant", "content": "The capital of France is"}]
        message = claude.messages.create(model=model, max_tokens=10, extra_body=GREEDY, messages=messages)
        assert message.content and message.content[0].text.strip(), message.content
        assert count_tokens(messages=messages) > count_tokens(messages=messages[:1]), "the prefill is not in the prompt"
        return message.content[0].text

    def anthropic_rejected(body, field, error_type="invalid_request_error", status=400, words=None):
        def run():
            request = {"model": model, "max_tokens": 4, "messages": [{"role": "user", "content": "hi"}], **body}
            request = {k: v for k, v in request.items() if v is not None}
            response = httpx.post(args.base_url + "/v1/messages", json=request, timeout=60,
                                  headers={"x-api-key": key, "anthropic-version": "2023-06-01"})
            assert response.status_code == status, f"status {response.status_code}: {response.text}"
            payload = response.json()
            assert payload["type"] == "error" and payload["error"]["type"] == error_type, payload
            message = payload["error"]["message"]
            assert f"'{field}'" in message, f"message does not name {field!r}: {message}"
            for word in words or []:
                assert word in message, f"{word!r} not in {message!r}"
            return message
        return run

    def anthropic_client_rejected():
        try:
            claude.messages.create(model=model, max_tokens=4, messages=[{"role": "user", "content": [
                {"type": "text", "text": "What is this?"},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}}]}])
        except anthropic.BadRequestError as error:
            assert error.body["error"]["type"] == "invalid_request_error", error.body
            assert "messages[0].content[1]" in error.body["error"]["message"] and "text only" in error.body["error"]["message"], error.body
            return error.body["error"]["message"]
        raise AssertionError("an image block was accepted")

    def anthropic_unknown_model():
        try:
            claude.messages.create(model="no-such-model", max_tokens=4, messages=[{"role": "user", "content": "hi"}])
        except anthropic.NotFoundError as error:
            assert error.body["error"]["type"] == "not_found_error", error.body
            return error.body["error"]["message"][:80]
        raise AssertionError("an unknown model was accepted")

    def wrong_key():
        if not args.api_key:
            return "no --api-key"
        bad = anthropic.Anthropic(base_url=args.base_url, api_key="wrong", max_retries=0)
        try:
            bad.messages.create(model=model, max_tokens=4, messages=[{"role": "user", "content": "hi"}])
        except anthropic.AuthenticationError as error:
            assert error.body["type"] == "error" and error.body["error"]["type"] == "authentication_error", error.body
        else:
            raise AssertionError("a wrong x-api-key was accepted")
        response = httpx.post(args.base_url + "/v1/responses", json={"model": model, "input": "hi"}, timeout=60)
        assert response.status_code == 401 and response.json()["error"]["code"] == "invalid_api_key", response.text
        return "401 in both shapes"

    def still_serving():
        message = claude.messages.create(model=model, max_tokens=5, messages=[{"role": "user", "content": "hi"}])
        response = client.responses.create(model=model, input="hi", max_output_tokens=5)
        assert message.content and response.output_text is not None
        return "answers after the rejections"

    checks.run("responses text", responses_text)
    checks.run("responses instructions and input_text parts", responses_instructions)
    checks.run("responses stream events", responses_stream)
    checks.run("responses tool_choice required", responses_required)
    checks.run("responses named function streamed", responses_named_streamed)
    checks.run("responses function_call_output round trip", responses_round_trip)
    checks.run("responses text.format json_schema", responses_json_schema)
    checks.run("responses previous_response_id (client)", openai_client_rejected)
    checks.run("responses store true", openai_rejected({"store": True}, "store"))
    checks.run("responses background", openai_rejected({"background": True}, "background"))
    checks.run("responses built-in tool", openai_rejected({"tools": [{"type": "web_search"}]}, "tools[0].type"))
    checks.run("responses image input", openai_rejected({"input": [{"role": "user", "content": [
        {"type": "input_text", "text": "what is this?"}, {"type": "input_image", "image_url": "data:image/png;base64,AAAA"}]}]},
        "input[0].content[1]"))
    checks.run("responses max_output_tokens 0", openai_rejected({"max_output_tokens": 0}, "max_output_tokens"))
    checks.run("responses temperature 5", openai_rejected({"temperature": 5}, "temperature"))
    checks.run("responses text.format type", openai_rejected({"text": {"format": {"type": "yaml"}}}, "text.format.type"))
    checks.run("responses input not text", openai_rejected({"input": 3}, "input"))
    checks.run("responses unknown tool_choice", openai_rejected({"tools": RESPONSES_TOOLS, "tool_choice": {"type": "function", "name": "nope"}},
                                                                "tool_choice.name"))
    checks.run("responses bad call arguments", openai_rejected({"input": [
        {"type": "function_call", "call_id": "c1", "name": "get_time", "arguments": "{not json"}]}, "input[0].arguments"))
    checks.run("messages text", messages_text)
    checks.run("messages system blocks", messages_system_blocks)
    checks.run("messages stream events", messages_stream)
    checks.run("messages tool_choice any", messages_tool_any)
    checks.run("messages named tool streamed", messages_tool_named_streamed)
    checks.run("messages tool_result round trip", messages_round_trip)
    checks.run("messages stop_sequences", messages_stop_sequence)
    checks.run("messages assistant prefill", messages_prefill)
    checks.run("messages image block (client)", anthropic_client_rejected)
    checks.run("messages unknown model", anthropic_unknown_model)
    checks.run("messages max_tokens missing", anthropic_rejected({"max_tokens": None}, "max_tokens"))
    checks.run("messages max_tokens 0", anthropic_rejected({"max_tokens": 0}, "max_tokens"))
    checks.run("messages temperature 1.5", anthropic_rejected({"temperature": 1.5}, "temperature"))
    checks.run("messages top_k 0", anthropic_rejected({"top_k": 0}, "top_k"))
    checks.run("messages role system", anthropic_rejected({"messages": [{"role": "system", "content": "hi"}]}, "messages[0].role"))
    checks.run("messages server tool", anthropic_rejected({"tools": [{"type": "web_search_20250305", "name": "web_search"}]}, "tools[0].type"))
    checks.run("messages tool without schema", anthropic_rejected({"tools": [{"name": "f"}]}, "tools[0].input_schema"))
    checks.run("messages unknown tool_choice name", anthropic_rejected({"tools": ANTHROPIC_TOOLS, "tool_choice": {"type": "tool", "name": "nope"}},
                                                                       "tool_choice.name"))
    checks.run("messages tool_choice type", anthropic_rejected({"tools": ANTHROPIC_TOOLS, "tool_choice": {"type": "always"}}, "tool_choice.type"))
    checks.run("messages stop_sequences not strings", anthropic_rejected({"stop_sequences": [3]}, "stop_sequences[0]"))
    checks.run("messages tool_use in a user message", anthropic_rejected({"messages": [{"role": "user", "content": [
        {"type": "tool_use", "id": "t", "name": "get_time", "input": {}}]}]}, "messages[0].content[0].type"))
    checks.run("wrong API key", wrong_key)
    checks.run("still serving", still_serving)
    sys.exit(0 if checks.summary() else 1)


if __name__ == "__main__":
    main()
