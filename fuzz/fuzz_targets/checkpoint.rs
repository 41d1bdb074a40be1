//! Fuzz target: the bytes a Hub (or a local file) gives for a safetensors file and its index. The readers of
//! `ftmem_core::checkpoint` must answer with a value or an error, never a panic, and whatever parses is counted
//! (the first byte picks the config it is compared with: a plain or a tied one, 1 or 61 layers).
#![no_main]
use ftmem_core::checkpoint::{self, Loading};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = checkpoint::header_len(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = checkpoint::index_files(text);
    }
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    if let Ok(tensors) = checkpoint::parse_header(rest) {
        let load = Loading {
            num_hidden_layers: if sel % 2 == 0 { 1 } else { 61 },
            tie_word_embeddings: sel % 4 < 2,
            int_bits: u64::from(sel % 9),
        };
        let _ = checkpoint::summarize(&tensors, 1, load);
    }
});
