//! Fuzz target: arbitrary bytes as a query string, estimated on a real model. Must never panic or overflow;
//! a valid query must round-trip through `to_query`.
//!
//! The first byte picks the model (gpt-oss-20b, Llama-3.2-1B, DeepSeek-V3, Nemotron-H-56B, Qwen3-30B-A3B); the
//! rest is the query. One input in 16 (by the first byte) also runs the bounded "what fits" search
//! (`fit::fit_report`, a few hundred estimates) on a GPU whose size in GiB comes from the second byte.
#![no_main]
use ftmem_core::{Bytes, Settings};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn archs() -> &'static [ftmem_core::Architecture] {
    static A: OnceLock<Vec<ftmem_core::Architecture>> = OnceLock::new();
    A.get_or_init(|| {
        [
            include_str!("../../tests/fixtures/configs/openai__gpt-oss-20b.json"),
            include_str!("../../tests/fixtures/configs/meta-llama__Llama-3.2-1B.json"),
            include_str!("../../tests/fixtures/configs/deepseek-ai__DeepSeek-V3.json"),
            include_str!("../../tests/fixtures/configs/nvidia__Nemotron-H-56B-Base-8K.json"),
            include_str!("../../tests/fixtures/configs/Qwen__Qwen3-30B-A3B.json"),
        ]
        .iter()
        .map(|t| ftmem_core::parse_config(t).expect("fixture parses"))
        .collect()
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let a = archs();
    let arch = &a[sel as usize % a.len()];
    let q = String::from_utf8_lossy(rest);
    if let Ok(s) = Settings::from_query(&q) {
        assert_eq!(
            Settings::from_query(&s.to_query()).as_ref(),
            Ok(&s),
            "round trip"
        );
        let r = ftmem_core::estimate(arch, &s);
        if let Ok(e) = &r {
            let sum = e
                .components
                .iter()
                .try_fold(0u64, |acc, c| acc.checked_add(c.bytes.0));
            assert_eq!(sum, Some(e.total_bytes.0), "components sum to the total");
        }
        if sel >> 4 == 0xF && r.is_ok() {
            let gib = 1 + rest.first().copied().unwrap_or(80) as u64;
            let _ = ftmem_core::fit::fit_report(arch, &s, Bytes(gib << 30));
        }
    }
});
