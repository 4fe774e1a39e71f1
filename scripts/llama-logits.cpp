// llama-logits: evaluates token ids with libllama and prints logits as JSON. Test tooling only:
// Realizar's architecture conformance tests compare their logits with these; the engine never
// links llama.cpp.
//
//   llama-logits --model FILE --tokens 1,2,3[;4,5,...] [--threads N] [--batch N] [--ubatch N]
//                [--flash-attn on|off] [--ctx N] [--kv-type f32|f16] [--all]
//
// The KV cache is f32 unless --kv-type f16 (llama.cpp's own default) is given: Realizar keeps
// keys and values in f32, and an f16 cache would add its rounding to every comparison.
// Each `;`-separated prompt runs in a fresh context of `--ctx` tokens (default: the prompt's
// length; llama.cpp pads it to a multiple of 256). Output, one JSON object on standard output:
//   {"n_vocab": V, "prompts": [{"n_ctx": C, "logits": [[V floats], ...]}, ...]}
// with one row per prompt (its last token) or, with --all, one per position.
#include "llama.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <algorithm>
#include <string>
#include <vector>

static void usage(const char * message) {
    fprintf(stderr, "llama-logits: %s\n", message);
    fprintf(stderr, "usage: llama-logits --model FILE --tokens 1,2,3[;4,5] [--threads N] [--batch N] "
                    "[--ubatch N] [--flash-attn on|off] [--ctx N] [--kv-type f32|f16] [--all]\n");
    exit(2);
}

static std::vector<std::vector<llama_token>> parse_prompts(const std::string & text) {
    std::vector<std::vector<llama_token>> prompts(1);
    std::string number;
    auto flush = [&]() {
        if (!number.empty()) {
            prompts.back().push_back((llama_token) std::strtol(number.c_str(), nullptr, 10));
            number.clear();
        }
    };
    for (char c : text) {
        if (c == ',') { flush(); }
        else if (c == ';') { flush(); prompts.emplace_back(); }
        else if ((c >= '0' && c <= '9') || c == '-') { number += c; }
        else if (c != ' ') { usage("--tokens takes integers separated by ',' and prompts by ';'"); }
    }
    flush();
    for (const auto & p : prompts) {
        if (p.empty()) { usage("every prompt needs at least one token"); }
    }
    return prompts;
}

static void print_row(const float * row, int n) {
    putchar('[');
    for (int i = 0; i < n; i++) {
        if (i) { putchar(','); }
        if (std::isfinite(row[i])) { printf("%.9g", row[i]); } else { printf("null"); }
    }
    putchar(']');
}

int main(int argc, char ** argv) {
    std::string model_path, tokens_text;
    int threads = 2, n_batch = 512, n_ubatch = 512, n_ctx = 0;
    bool flash = false, all = false;
    ggml_type kv_type = GGML_TYPE_F32;
    for (int i = 1; i < argc; i++) {
        std::string arg = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) { usage((arg + " needs a value").c_str()); }
            return argv[++i];
        };
        if (arg == "--model") { model_path = value(); }
        else if (arg == "--tokens") { tokens_text = value(); }
        else if (arg == "--threads") { threads = std::atoi(value().c_str()); }
        else if (arg == "--batch") { n_batch = std::atoi(value().c_str()); }
        else if (arg == "--ubatch") { n_ubatch = std::atoi(value().c_str()); }
        else if (arg == "--ctx") { n_ctx = std::atoi(value().c_str()); }
        else if (arg == "--flash-attn") {
            std::string v = value();
            if (v != "on" && v != "off") { usage("--flash-attn takes on or off"); }
            flash = v == "on";
        }
        else if (arg == "--kv-type") {
            std::string v = value();
            if (v != "f32" && v != "f16") { usage("--kv-type takes f32 or f16"); }
            kv_type = v == "f32" ? GGML_TYPE_F32 : GGML_TYPE_F16;
        }
        else if (arg == "--all") { all = true; }
        else { usage(("unknown option " + arg).c_str()); }
    }
    if (model_path.empty() || tokens_text.empty()) { usage("--model and --tokens are required"); }
    if (threads < 1 || n_batch < 1 || n_ubatch < 1 || n_ctx < 0) { usage("counts must be positive"); }
    const auto prompts = parse_prompts(tokens_text);

    llama_log_set([](ggml_log_level level, const char * text, void *) {
        if (level >= GGML_LOG_LEVEL_WARN) { fputs(text, stderr); }
    }, nullptr);
    llama_backend_init();
    llama_model_params mparams = llama_model_default_params();
    llama_model * model = llama_model_load_from_file(model_path.c_str(), mparams);
    if (!model) { fprintf(stderr, "llama-logits: cannot load %s\n", model_path.c_str()); return 1; }
    const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));

    printf("{\"n_vocab\":%d,\"prompts\":[", n_vocab);
    for (size_t p = 0; p < prompts.size(); p++) {
        const auto & tokens = prompts[p];
        const int n = (int) tokens.size();
        for (llama_token t : tokens) {
            if (t < 0 || t >= n_vocab) { fprintf(stderr, "llama-logits: token %d is outside the vocabulary\n", t); return 1; }
        }
        llama_context_params cparams = llama_context_default_params();
        cparams.n_ctx = (uint32_t) (n_ctx > 0 ? n_ctx : n);
        cparams.n_batch = (uint32_t) n_batch;
        cparams.n_ubatch = (uint32_t) std::min(n_ubatch, n_batch);
        cparams.n_seq_max = 1;
        cparams.n_threads = threads;
        cparams.n_threads_batch = threads;
        cparams.flash_attn_type = flash ? LLAMA_FLASH_ATTN_TYPE_ENABLED : LLAMA_FLASH_ATTN_TYPE_DISABLED;
        cparams.type_k = kv_type;
        cparams.type_v = kv_type;
        cparams.no_perf = true;
        llama_context * ctx = llama_init_from_model(model, cparams);
        if (!ctx) { fprintf(stderr, "llama-logits: cannot create a context\n"); return 1; }
        if ((int) llama_n_ctx(ctx) < n) {
            fprintf(stderr, "llama-logits: prompt of %d tokens exceeds the context of %u\n", n, llama_n_ctx(ctx));
            return 1;
        }
        // Feed the prompt in pieces of n_batch tokens; logits for the rows asked for.
        std::vector<std::vector<float>> rows;
        llama_batch batch = llama_batch_init(n_batch, 0, 1);
        for (int start = 0; start < n; start += n_batch) {
            const int count = std::min(n_batch, n - start);
            batch.n_tokens = count;
            for (int i = 0; i < count; i++) {
                const int pos = start + i;
                batch.token[i] = tokens[pos];
                batch.pos[i] = pos;
                batch.n_seq_id[i] = 1;
                batch.seq_id[i][0] = 0;
                batch.logits[i] = all || pos == n - 1;
            }
            if (llama_decode(ctx, batch) != 0) { fprintf(stderr, "llama-logits: llama_decode failed\n"); return 1; }
            for (int i = 0; i < count; i++) {
                if (!batch.logits[i]) { continue; }
                const float * row = llama_get_logits_ith(ctx, i);
                rows.emplace_back(row, row + n_vocab);
            }
        }
        llama_batch_free(batch);
        printf("%s{\"n_ctx\":%u,\"logits\":[", p ? "," : "", llama_n_ctx(ctx));
        for (size_t r = 0; r < rows.size(); r++) {
            if (r) { putchar(','); }
            print_row(rows[r].data(), n_vocab);
        }
        printf("]}");
        llama_free(ctx);
    }
    printf("]}\n");
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
