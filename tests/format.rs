//! Number formatting: thousands separators and units.
#![cfg(target_arch = "wasm32")]

use ftmem_app::format::{gb_gib, item_label, params_long, short_count, thousands};
use ftmem_core::{Bytes, Params};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn thousands_separators() {
    assert_eq!(thousands(0), "0");
    assert_eq!(thousands(999), "999");
    assert_eq!(thousands(1000), "1,000");
    assert_eq!(thousands(201088), "201,088");
    assert_eq!(thousands(20_914_757_184), "20,914,757,184");
    assert_eq!(thousands(u64::MAX), "18,446,744,073,709,551,615");
}

#[wasm_bindgen_test]
fn parameter_counts_with_their_scale() {
    assert_eq!(
        params_long(Params(20_914_757_184)),
        "20,914,757,184 parameters (20.9 B)"
    );
    assert_eq!(
        params_long(Params(1_235_814_400)),
        "1,235,814,400 parameters (1.24 B)"
    );
    assert_eq!(params_long(Params(12)), "12 parameters");
    assert_eq!(short_count(135_000_000), "135 M");
    assert_eq!(short_count(671_000_000_000), "671 B");
    assert_eq!(short_count(1_500_000_000_000), "1.50 T");
}

#[wasm_bindgen_test]
fn bytes_in_decimal_and_binary_units() {
    assert_eq!(gb_gib(Bytes(13_421_772_800)), "13.42 GB (12.50 GiB)");
    assert_eq!(item_label("kv_cache"), "KV cache");
    assert_eq!(item_label("quantization_buffers"), "Quantization buffers");
}
