//! Fuzz target: arbitrary bytes as a `config.json`. Parsing, counting and estimating must never panic or hang;
//! every outcome is `Ok` or a `ConfigError` / `EstimateError`.
#![no_main]
use ftmem_core::settings::{Mode, Settings};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(arch) = ftmem_core::parse_config(text) {
        let _ = ftmem_core::params::count(&arch);
        for mode in [Mode::Inference, Mode::Full, Mode::Lora, Mode::Qlora] {
            let s = Settings { mode, ..Settings::default() };
            let _ = ftmem_core::estimate(&arch, &s);
        }
    }
});
