//! Fuzz target: arbitrary bytes as a query string, estimated on gpt-oss-20b. Must never panic or overflow;
//! a valid query must round-trip through `to_query`.
#![no_main]
use ftmem_core::Settings;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static ARCH: OnceLock<ftmem_core::Architecture> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let arch = ARCH.get_or_init(|| {
        ftmem_core::parse_config(include_str!("../../tests/fixtures/configs/openai__gpt-oss-20b.json"))
            .expect("fixture parses")
    });
    let q = String::from_utf8_lossy(data);
    if let Ok(s) = Settings::from_query(&q) {
        assert_eq!(Settings::from_query(&s.to_query()).as_ref(), Ok(&s), "round trip");
        let _ = ftmem_core::estimate(arch, &s);
    }
});
