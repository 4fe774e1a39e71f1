/// Chat formats for models that ship without a chat template. Each is a Jinja template rendered by
/// the same engine, so `source` shows exactly what is produced.
public enum BuiltinChatFormat: String, CaseIterable, Sendable {
    /// `<|im_start|>role\n...<|im_end|>` (Qwen, SmolLM, many fine-tunes).
    case chatml
    /// Llama 2 chat: `[INST] <<SYS>>...<</SYS>> user [/INST] assistant </s>`.
    case llama2
    /// Llama 3: `<|start_header_id|>role<|end_header_id|>\n\n...<|eot_id|>`.
    case llama3
    /// Mistral: `[INST] user [/INST]assistant</s>`, the system prompt joined to the first user turn.
    case mistral
    /// Gemma: `<start_of_turn>user|model\n...<end_of_turn>`, no system role (joined to the user turn).
    case gemma
    /// Phi-3: `<|role|>\n...<|end|>`.
    case phi3
    /// Alpaca: `### Instruction:` / `### Response:` paragraphs.
    case alpaca

    /// The Jinja source of this format.
    public var source: String {
        switch self {
        case .chatml:
            return """
                {%- for message in messages -%}
                {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' -}}
                {%- endfor -%}
                {%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}
                """
        case .llama2:
            return """
                {%- if messages and messages[0].role == 'system' -%}
                {%- set system_message = messages[0].content -%}{%- set loop_messages = messages[1:] -%}
                {%- else -%}{%- set system_message = '' -%}{%- set loop_messages = messages -%}{%- endif -%}
                {%- for message in loop_messages -%}
                {%- set content = message.content | trim -%}
                {%- if loop.first and system_message -%}
                {%- set content = '<<SYS>>\\n' + (system_message | trim) + '\\n<</SYS>>\\n\\n' + content -%}
                {%- endif -%}
                {%- if message.role == 'assistant' -%}{{- ' ' + content + ' ' + eos_token -}}
                {%- else -%}{{- bos_token + '[INST] ' + content + ' [/INST]' -}}{%- endif -%}
                {%- endfor -%}
                """
        case .llama3:
            return """
                {{- bos_token -}}
                {%- for message in messages -%}
                {%- set role = 'ipython' if message.role == 'tool' else message.role -%}
                {{- '<|start_header_id|>' + role + '<|end_header_id|>\\n\\n' + (message.content | trim) + '<|eot_id|>' -}}
                {%- endfor -%}
                {%- if add_generation_prompt -%}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}{%- endif -%}
                """
        case .mistral:
            return """
                {%- if messages and messages[0].role == 'system' -%}
                {%- set system_message = messages[0].content -%}{%- set loop_messages = messages[1:] -%}
                {%- else -%}{%- set system_message = '' -%}{%- set loop_messages = messages -%}{%- endif -%}
                {{- bos_token -}}
                {%- for message in loop_messages -%}
                {%- if message.role == 'user' -%}
                {%- if loop.first and system_message -%}{{- '[INST] ' + system_message + '\\n\\n' + message.content + '[/INST]' -}}
                {%- else -%}{{- '[INST] ' + message.content + '[/INST]' -}}{%- endif -%}
                {%- elif message.role == 'tool' -%}{{- '[TOOL_RESULTS] ' + message.content + '[/TOOL_RESULTS]' -}}
                {%- else -%}{{- message.content + eos_token -}}{%- endif -%}
                {%- endfor -%}
                """
        case .gemma:
            return """
                {{- bos_token -}}
                {%- if messages and messages[0].role == 'system' -%}
                {%- set first_user_prefix = messages[0].content + '\\n\\n' -%}{%- set loop_messages = messages[1:] -%}
                {%- else -%}{%- set first_user_prefix = '' -%}{%- set loop_messages = messages -%}{%- endif -%}
                {%- for message in loop_messages -%}
                {%- set role = 'model' if message.role == 'assistant' else 'user' -%}
                {{- '<start_of_turn>' + role + '\\n' + (first_user_prefix if loop.first else '') + (message.content | trim) + '<end_of_turn>\\n' -}}
                {%- endfor -%}
                {%- if add_generation_prompt -%}{{- '<start_of_turn>model\\n' -}}{%- endif -%}
                """
        case .phi3:
            return """
                {%- for message in messages -%}
                {{- '<|' + message.role + '|>\\n' + message.content + '<|end|>\\n' -}}
                {%- endfor -%}
                {%- if add_generation_prompt -%}{{- '<|assistant|>\\n' -}}{%- else -%}{{- eos_token -}}{%- endif -%}
                """
        case .alpaca:
            return """
                {%- for message in messages -%}
                {%- if message.role == 'system' -%}{{- message.content + '\\n\\n' -}}
                {%- elif message.role == 'user' -%}{{- '### Instruction:\\n' + message.content + '\\n\\n' -}}
                {%- elif message.role == 'tool' -%}{{- '### Input:\\n' + message.content + '\\n\\n' -}}
                {%- else -%}{{- '### Response:\\n' + message.content + eos_token + '\\n\\n' -}}{%- endif -%}
                {%- endfor -%}
                {%- if add_generation_prompt -%}{{- '### Response:\\n' -}}{%- endif -%}
                """
        }
    }

    /// This format as a chat template.
    public var chatTemplate: ChatTemplate {
        // The sources above are fixed and tested; parsing them cannot fail.
        try! ChatTemplate(source: source)
    }

    /// Picks a format from the model's architecture (GGUF `general.architecture`) and its special
    /// tokens. Special tokens decide first because fine-tunes often keep the base architecture but
    /// change the chat format (a Llama model trained on ChatML has `<|im_start|>`).
    public static func detect(architecture: String?, hasToken: (String) -> Bool) -> BuiltinChatFormat {
        let arch = architecture?.lowercased() ?? ""
        if hasToken("<|im_start|>") { return .chatml }
        if hasToken("<start_of_turn>") || arch.hasPrefix("gemma") { return .gemma }
        if hasToken("<|start_header_id|>") { return .llama3 }
        if hasToken("<|user|>") || arch.hasPrefix("phi3") { return .phi3 }
        if hasToken("[INST]") || arch.hasPrefix("mistral") || arch.hasPrefix("mixtral") { return .mistral }
        if arch == "llama" { return .llama2 }
        return .chatml
    }
}
