//! Settings ↔ query string: lenient reading of links, UI-only keys kept, controls validated like links.
#![cfg(target_arch = "wasm32")]

use ftmem_app::url_state::{
    apply_key, build_query, extra_pairs, settings_from_pairs_lenient, split_query,
};
use ftmem_core::settings::{Mode, Precision};
use ftmem_core::Settings;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn a_good_link_restores_every_setting_and_round_trips() {
    let q = "model=openai/gpt-oss-20b&rev=v1&mode=full&precision=mixed&batch=4&seq=1024&rank=8&targets=q_proj,v_proj&dropout=0.05&gc=0&optim=sgdm&attn=eager&lang=ko";
    let pairs = split_query(q);
    let (s, errors) = settings_from_pairs_lenient(&pairs);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(s.mode, Mode::Full);
    assert_eq!(s.batch, 4);
    assert_eq!(s.precision, Some(Precision::Mixed));
    assert_eq!(build_query(&s, &extra_pairs(&pairs)), q);
}

#[wasm_bindgen_test]
fn a_bad_value_falls_back_for_that_key_only() {
    let pairs = split_query("?mode=full&batch=zero&seq=512&optim=lion&lang=en");
    let (s, errors) = settings_from_pairs_lenient(&pairs);
    let keys: Vec<&str> = errors.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["batch", "optim"]);
    assert_eq!(s.mode, Mode::Full);
    assert_eq!(s.seq, 512);
    assert_eq!(s.batch, Settings::default().batch);
    assert_eq!(s.optim, Settings::default().optim);
    assert_eq!(
        build_query(&s, &extra_pairs(&pairs)),
        "mode=full&seq=512&lang=en"
    );
}

#[wasm_bindgen_test]
fn a_precision_that_does_not_fit_the_mode_falls_back() {
    let (s, errors) = settings_from_pairs_lenient(&split_query("mode=qlora&precision=bf16"));
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].key, "precision");
    assert_eq!(s.mode, Mode::Qlora);
    assert_eq!(s.precision, None);
}

#[wasm_bindgen_test]
fn defaults_give_an_empty_query() {
    assert_eq!(build_query(&Settings::default(), &[]), "");
}

#[wasm_bindgen_test]
fn controls_accept_exactly_what_links_accept() {
    let mut s = Settings::default();
    apply_key(&mut s, "batch", "8").unwrap();
    assert_eq!(s.batch, 8);
    let err = apply_key(&mut s, "batch", "0").unwrap_err();
    assert_eq!(err.key, "batch");
    assert_eq!(s.batch, 8, "a refused value leaves the setting alone");
    assert!(apply_key(&mut s, "dropout", "1.0").is_err());
    // Precision is checked against the current mode; a mode change drops a precision it does not accept.
    apply_key(&mut s, "mode", "inference").unwrap();
    apply_key(&mut s, "precision", "int4").unwrap();
    assert_eq!(s.precision, Some(Precision::Int4));
    apply_key(&mut s, "mode", "full").unwrap();
    assert_eq!(s.precision, None);
    assert!(apply_key(&mut s, "precision", "nf4").is_err());
    assert!(apply_key(&mut s, "lang", "ko").is_err());
}
