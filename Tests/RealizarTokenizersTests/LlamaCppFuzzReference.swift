// Generated: digests of llama.cpp's outputs on `FuzzTexts` (see LlamaCppFuzzTests).
//
// Made with llama.cpp from the llama-cpp-python 0.3.36 source distribution
// (scripts/fetch-llama-cpp-source; $L below is its vendor/llama.cpp folder) and the harness below:
//
//   cmake -S $L -B build -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=OFF -DBUILD_SHARED_LIBS=OFF
//   cmake --build build --target ggml-base
//   for f in llama-vocab llama-model-loader llama-arch llama-impl llama-mmap unicode unicode-data; do
//     g++ -std=gnu++17 -O1 -I$L/src -I$L/include -I$L/ggml/include -c $L/src/$f.cpp; done
//   g++ -std=gnu++17 -O1 -I$L/src -I$L/include -I$L/ggml/include -c tok.cpp stubs.cpp
//   g++ -o tok *.o build/ggml/src/libggml-base.a -lpthread
//
// For each pre-tokenizer, `tok split pre-NAME.expr BYTE_ENCODE texts.inp` (inputs written by
// LlamaCppFuzzTests with REALIZAR_FUZZ_DIR set); for each vocabulary and flag F,
// `tok VOCAB.gguf texts.inp F F`. Each digest is "bytes:FNV-1a-64" of the printed lines (for
// splits, with llama.cpp's empty pieces, printed "-", left out: they merge into nothing).
//
// tok.cpp:
//   // Reference tokenizer harness: llama.cpp's own tokenize/detokenize on cases read from a file.
//   // usage: tok VOCAB INPUT ADD_SPECIAL PARSE_SPECIAL
//   // INPUT: cases separated by "\n__ggml_vocab_test__\n". Output per case: a line of ids, then a line
//   // with the hex bytes of llama_detokenize(ids, remove_special=false, unparse_special=PARSE_SPECIAL).
//   #include "llama.h"
//   #include "unicode.h"
//   #include "llama-vocab.h"
//   #include "llama-model-loader.h"
//   #include "llama-arch.h"
//   #include <cstdio>
//   #include <cstdlib>
//   #include <fstream>
//   #include <iterator>
//   #include <string>
//   #include <vector>
//
//
//   static std::vector<std::string> split_cases(const std::string & raw, const std::string & sep) {
//       std::vector<std::string> cases;
//       size_t pos = 0;
//       while (pos < raw.size()) {
//           size_t next = raw.find(sep, pos);
//           if (next == std::string::npos) { cases.push_back(raw.substr(pos)); break; }
//           cases.push_back(raw.substr(pos, next - pos));
//           pos = next + sep.size();
//       }
//       return cases;
//   }
//
//   static std::string slurp(const char * path) {
//       std::ifstream in(path, std::ios::binary);
//       return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
//   }
//
//   // split EXPRESSIONS BYTE_ENCODE INPUT: EXPRESSIONS separated by "\n__expr__\n"; per case, one line of
//   // the pieces of unicode_regex_split, hex-encoded, separated by spaces.
//   static int split_mode(int argc, char ** argv) {
//       auto exprs = split_cases(slurp(argv[2]), "\n__expr__\n");
//       bool byte_encode = atoi(argv[3]) != 0;
//       auto cases = split_cases(slurp(argv[4]), "\n__ggml_vocab_test__\n");
//       for (auto & text : cases) {
//           auto words = unicode_regex_split(text, exprs, byte_encode);
//           bool first = true;
//           for (auto & w : words) {
//               if (!first) printf(" ");
//               first = false;
//               if (w.empty()) printf("-");
//               for (unsigned char c : w) printf("%02x", c);
//           }
//           printf("\n");
//       }
//       return 0;
//   }
//
//   int main(int argc, char ** argv) {
//       if (argc >= 5 && std::string(argv[1]) == "split") return split_mode(argc, argv);
//       if (argc < 5) { fprintf(stderr, "usage\n"); return 1; }
//       std::vector<std::string> splits;
//       llama_model_loader ml(nullptr, nullptr, nullptr, argv[1], splits, nullptr, LLAMA_LOAD_MODE_NONE, false, true, false, nullptr, nullptr);
//       llama_vocab vocab;
//       vocab.load(ml, LLM_KV(llm_arch_from_string(ml.arch_name)));
//       bool add_special = atoi(argv[3]) != 0, parse_special = atoi(argv[4]) != 0;
//       auto cases = split_cases(slurp(argv[2]), "\n__ggml_vocab_test__\n");
//       for (auto & text : cases) {
//           auto toks = vocab.tokenize(text, add_special, parse_special);
//           for (size_t i = 0; i < toks.size(); i++) printf(i ? " %d" : "%d", toks[i]);
//           printf("\n");
//           auto out = vocab.detokenize(toks, parse_special);
//           for (unsigned char c : out) printf("%02x", c);
//           printf("\n");
//       }
//       return 0;
//   }
//
// stubs.cpp:
//   // Functions the vocabulary loader links against but never calls for vocab-only loading.
//   #include <cstdlib>
//   #include "llama.h"
//   #include "llama-hparams.h"
//   #include "ggml-backend.h"
//   uint32_t llama_hparams::n_head(uint32_t) const { abort(); }
//   uint32_t llama_hparams::n_expert_used_max() const { abort(); }
//   uint32_t llama_hparams::n_embd_inp() const { abort(); }
//   uint32_t llama_hparams::n_embd_head_v(uint32_t) const { abort(); }
//   uint32_t llama_hparams::n_layer() const { abort(); }
//   extern "C" ggml_backend_dev_t ggml_backend_dev_by_type(enum ggml_backend_dev_type) { abort(); }
//   int32_t llama_split_path(char *, size_t, const char *, int32_t, int32_t) { abort(); }
//   int32_t llama_split_prefix(char *, size_t, const char *, int32_t, int32_t) { abort(); }
enum LlamaCppFuzzReference {
    static let textCount = 300
    static let seed: UInt64 = 20_261_126
    /// Per pre-tokenizer (`PreTokenizerType.rawValue`): the pieces, hex, one line per text.
    static let splits: [String: String] = [
        "afmoe": "47893:24547aeef507abf1",
        "bailingmoe": "47851:125ef897929a5de1",
        "bloom": "46229:e181eb2ae3aa3829",
        "chameleon": "49705:f0fe8129db38cf3d",
        "chatglm4": "47597:925feaaf4b8ec807",
        "codeshell": "48304:1369fa0635b71481",
        "commandR": "48304:1369fa0635b71481",
        "dbrx": "47597:925feaaf4b8ec807",
        "deepseek3LLM": "47817:242688a708d4c063",
        "deepseekCoder": "48901:92e3b5caad11d301",
        "deepseekLLM": "48539:c2f54cd5dcb76111",
        "default": "48709:bcb924a9048420a1",
        "exaone": "48304:1369fa0635b71481",
        "exaoneMoe": "47666:802d4fd556f41657",
        "falcon": "48649:f7260883a7b8c25b",
        "gemma4": "27332:4987bd2499ae9e45",
        "gpt2": "47921:10468b583206751d",
        "gpt3Finnish": "46229:e181eb2ae3aa3829",
        "gpt4o": "47567:dc1827ee0a134101",
        "graniteDocling": "47921:10468b583206751d",
        "graniteEmbedMulti": "47473:c5f85864dadb836d",
        "grok2": "47851:125ef897929a5de1",
        "hunyuan": "47851:125ef897929a5de1",
        "hunyuanDense": "47817:242688a708d4c063",
        "hyV4": "47817:242688a708d4c063",
        "jais": "47921:10468b583206751d",
        "jais2": "47622:65668b5f1571f0cd",
        "joyaiLLM": "47817:242688a708d4c063",
        "kimiK2": "47622:f6fc7f46cd3f25d9",
        "laguna": "47908:6476cd03b39bc55",
        "llama3": "47597:925feaaf4b8ec807",
        "mellum2": "48304:1369fa0635b71481",
        "minerva": "48304:1369fa0635b71481",
        "minicpm5": "47582:fafe14bc43944217",
        "minimaxM2": "47567:dc1827ee0a134101",
        "mpt": "47921:10468b583206751d",
        "olmo": "47921:10468b583206751d",
        "poro": "46229:e181eb2ae3aa3829",
        "qwen2": "47851:125ef897929a5de1",
        "qwen35": "47772:9896b0a0a302f9d5",
        "refact": "48304:1369fa0635b71481",
        "sarvamMoe": "27332:4987bd2499ae9e45",
        "seedCoder": "47871:3955170418c96cff",
        "smaug": "47597:925feaaf4b8ec807",
        "smollm": "48304:1369fa0635b71481",
        "solarOpen": "47851:125ef897929a5de1",
        "spark25": "48115:ddeda90f196a5c6b",
        "stablelm2": "47851:125ef897929a5de1",
        "starcoder": "48304:1369fa0635b71481",
        "superbpe": "44763:6ef9c004fe6d7ca9",
        "tekken": "47857:bfee34c5406f105d",
        "tinyAya": "47454:2d8e29f3aa60d115",
        "trillion": "47921:10468b583206751d",
        "ufakzeka": "47837:8a2badb6fcb51481",
        "viking": "46968:91933ea162930435",
        "whitespace": "29681:85433d6fbea9ba87",
        "youtu": "48006:6edfc7c0c9faa0d",
    ]
    /// Per "vocabulary/flag": the ids (one line per text) and the detokenized bytes (hex).
    static let tokens: [String: (ids: String, text: String)] = [
        "aquila/0": ("34734:84f247d755e0b57c", "27096:d31e843ba44aff67"),
        "aquila/1": ("34143:51eb3dc17b189347", "27096:d31e843ba44aff67"),
        "baichuan/0": ("42443:23fe8d6e31492f26", "27138:f5f70fb20224071a"),
        "baichuan/1": ("42617:ff4d7081ce138468", "29640:99f6da2f05e4ceb8"),
        "bert-bge/0": ("25225:21c30b4904736038", "21752:f73c94fafa7476ae"),
        "bert-bge/1": ("27026:cdd561ad3a52dcc5", "32540:5eb4fd5a1c9a61fe"),
        "command-r/0": ("31667:8bb1f8491143a808", "27206:7a4b31189a0f56f1"),
        "command-r/1": ("32267:acff4d5f5e16691c", "33806:1ba96f06c5d36561"),
        "deepseek-coder/0": ("35933:23a88a5674cdbdbc", "27206:7a4b31189a0f56f1"),
        "deepseek-coder/1": ("37733:c79dd3fe8fc7ae88", "44606:3d4d10cdde2f16b9"),
        "deepseek-llm/0": ("33268:59a0bbb286d6d447", "27206:7a4b31189a0f56f1"),
        "deepseek-llm/1": ("35368:ef68852a1e7089c5", "44606:3d4d10cdde2f16b9"),
        "falcon/0": ("36964:15f641a419af89ad", "27060:dc06e5dcab80cc97"),
        "falcon/1": ("36579:6f9f87afeeb11392", "27060:dc06e5dcab80cc97"),
        "gemma-4/0": ("39071:82cd95d8582c12ae", "27024:41b2ccae64ef9700"),
        "gemma-4/1": ("39044:57ea2f4f99bcec6f", "30024:914abd86c3096f60"),
        "gemma3/0": ("38922:38b941427dee17da", "27138:f5f70fb20224071a"),
        "gemma3/1": ("37745:92a4f76bc80f09fb", "30138:1c0452348a4b0bf2"),
        "gpt-2/0": ("37388:e551d386e7da4111", "27096:d31e843ba44aff67"),
        "gpt-2/1": ("37074:10ab511b41149236", "27096:d31e843ba44aff67"),
        "gpt-neox/0": ("35054:eafcb54c0f15a4f0", "27096:d31e843ba44aff67"),
        "gpt-neox/1": ("34670:19adf4126149a4e1", "27096:d31e843ba44aff67"),
        "llama-bpe/0": ("30633:7e35a0441d4369e9", "27096:d31e843ba44aff67"),
        "llama-bpe/1": ("32315:93c4c763ae0ae974", "37296:9b1b6866d03b9bb7"),
        "llama-spm/0": ("43227:c428ebe9c88bf6b1", "27138:f5f70fb20224071a"),
        "llama-spm/1": ("43382:b4a30c3b4f6afb98", "29640:99f6da2f05e4ceb8"),
        "mpt/0": ("33826:efb9e9fd1b86b895", "27096:d31e843ba44aff67"),
        "mpt/1": ("33449:5ec8303dd3ab625", "27096:d31e843ba44aff67"),
        "nomic-bert-moe/0": ("24505:31264b27d4b73edf", "23396:b8855c766994ae4b"),
        "nomic-bert-moe/1": ("24669:cbd9677ba1a5bd64", "30116:270112b5ba2b09e5"),
        "phi-3/0": ("43227:c428ebe9c88bf6b1", "27138:f5f70fb20224071a"),
        "phi-3/1": ("42633:575fdf70161301c3", "29664:89eac0110a2d5c1b"),
        "qwen2/0": ("29934:317c36f210838e81", "27206:7a4b31189a0f56f1"),
        "qwen2/1": ("29191:b8d56338825ef880", "27206:7a4b31189a0f56f1"),
        "qwen35/0": ("29933:414fdd89f0569643", "27206:7a4b31189a0f56f1"),
        "qwen35/1": ("29190:5783242605056d48", "27206:7a4b31189a0f56f1"),
        "refact/0": ("33430:7a0476b8ca07a204", "27064:1087a9d958cfa88f"),
        "refact/1": ("33075:f11003713b229fa4", "27064:1087a9d958cfa88f"),
        "smollm2/0": ("37380:b6d79e61c8489d49", "27174:1e9a429ecc9f11a5"),
        "smollm2/1": ("36173:9490eb196931b1b0", "27174:1e9a429ecc9f11a5"),
        "starcoder/0": ("33696:95f4c101459f5600", "27064:1087a9d958cfa88f"),
        "starcoder/1": ("33341:d12134e1e83c0f7b", "27064:1087a9d958cfa88f"),
    ]
}
