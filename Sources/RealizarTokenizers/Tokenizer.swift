// Tokenizers built from GGUF metadata live here.
