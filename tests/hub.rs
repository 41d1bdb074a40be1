//! Hub input normalisation, URL building and the HTTP status → message mapping (runs in headless Chromium with
//! wasm-bindgen-test; pure functions, so the same assertions hold natively).
#![cfg(target_arch = "wasm32")]

use ftmem_app::error::ErrorKind;
use ftmem_app::hub::{
    config_url, normalize_endpoint, normalize_model_input, normalize_revision, status_error,
    ModelRef,
};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn id(s: &str) -> ModelRef {
    normalize_model_input(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

#[wasm_bindgen_test]
fn plain_ids_stay_as_typed() {
    assert_eq!(
        id("openai/gpt-oss-20b"),
        ModelRef {
            id: "openai/gpt-oss-20b".into(),
            revision: None
        }
    );
    assert_eq!(id("  Qwen/Qwen3-8B \n").id, "Qwen/Qwen3-8B");
    assert_eq!(id("gpt2").id, "gpt2");
    assert_eq!(
        id("microsoft/Phi-3.5-mini-instruct").id,
        "microsoft/Phi-3.5-mini-instruct"
    );
}

#[wasm_bindgen_test]
fn hub_urls_become_ids_with_their_revision() {
    let cases: [(&str, &str, Option<&str>); 9] = [
        (
            "https://huggingface.co/openai/gpt-oss-20b",
            "openai/gpt-oss-20b",
            None,
        ),
        (
            "https://huggingface.co/openai/gpt-oss-20b/",
            "openai/gpt-oss-20b",
            None,
        ),
        (
            "https://huggingface.co/openai/gpt-oss-20b/tree/main",
            "openai/gpt-oss-20b",
            Some("main"),
        ),
        (
            "https://huggingface.co/openai/gpt-oss-20b/blob/main/config.json",
            "openai/gpt-oss-20b",
            Some("main"),
        ),
        (
            "https://huggingface.co/openai/gpt-oss-20b/resolve/v1.0/config.json?download=true",
            "openai/gpt-oss-20b",
            Some("v1.0"),
        ),
        (
            "https://huggingface.co/openai/gpt-oss-20b/tree/refs%2Fpr%2F7",
            "openai/gpt-oss-20b",
            Some("refs/pr/7"),
        ),
        (
            "huggingface.co/meta-llama/Llama-3.2-1B#model-card",
            "meta-llama/Llama-3.2-1B",
            None,
        ),
        (
            "hf.co/Qwen/Qwen3-8B/tree/abc123/sub/dir",
            "Qwen/Qwen3-8B",
            Some("abc123"),
        ),
        (
            "http://127.0.0.1:8081/openai/gpt-oss-20b/blob/dev/config.json",
            "openai/gpt-oss-20b",
            Some("dev"),
        ),
    ];
    for (input, want_id, want_rev) in cases {
        let m = id(input);
        assert_eq!(m.id, want_id, "{input}");
        assert_eq!(m.revision.as_deref(), want_rev, "{input}");
    }
}

#[wasm_bindgen_test]
fn bad_inputs_are_errors_not_panics() {
    for bad in [
        "",
        "   ",
        "a/b/c",
        "openai/gpt oss",
        "openai/../etc",
        "https://huggingface.co/datasets/foo/bar",
        "https://huggingface.co/spaces/foo/bar",
        "https://",
        "ünïcode/modél",
    ] {
        assert!(
            normalize_model_input(bad).is_err(),
            "{bad:?} should be refused"
        );
    }
}

#[wasm_bindgen_test]
fn revisions_and_endpoints() {
    assert_eq!(normalize_revision("").unwrap(), "main");
    assert_eq!(normalize_revision(" v2 ").unwrap(), "v2");
    assert!(normalize_revision("a b").is_err());
    assert_eq!(
        normalize_endpoint("https://huggingface.co/").unwrap(),
        "https://huggingface.co"
    );
    assert_eq!(
        normalize_endpoint(" http://127.0.0.1:8081 ").unwrap(),
        "http://127.0.0.1:8081"
    );
    assert!(normalize_endpoint("huggingface.co").is_err());
    assert!(normalize_endpoint("javascript:alert(1)").is_err());
    assert!(normalize_endpoint("https://").is_err());
}

#[wasm_bindgen_test]
fn config_url_follows_the_hub_layout() {
    assert_eq!(
        config_url("https://huggingface.co/", "openai/gpt-oss-20b", "main"),
        "https://huggingface.co/openai/gpt-oss-20b/resolve/main/config.json"
    );
    assert_eq!(
        config_url("http://127.0.0.1:8081", "a/b", "refs/pr/1"),
        "http://127.0.0.1:8081/a/b/resolve/refs%2Fpr%2F1/config.json"
    );
}

#[wasm_bindgen_test]
fn statuses_map_to_kinds_and_messages() {
    assert!(status_error(200, "a/b", "main").is_none());
    let kind = |s| status_error(s, "a/b", "main").map(|e| e.kind);
    assert_eq!(kind(401), Some(ErrorKind::Unauthorized));
    assert_eq!(kind(403), Some(ErrorKind::Unauthorized));
    assert_eq!(kind(404), Some(ErrorKind::NotFound));
    assert_eq!(kind(429), Some(ErrorKind::RateLimited));
    assert_eq!(kind(500), Some(ErrorKind::Http));
    let gated = status_error(401, "a/b", "main").unwrap();
    assert!(
        gated.message.contains("gated or private") && gated.message.contains("paste"),
        "{}",
        gated.message
    );
    let missing = status_error(404, "a/b", "v9").unwrap();
    assert!(
        missing.message.contains("a/b") && missing.message.contains("v9"),
        "{}",
        missing.message
    );
    assert_eq!(ErrorKind::NotFound.as_str(), "not-found");
    assert_eq!(ErrorKind::RateLimited.as_str(), "rate-limited");
    assert_eq!(ErrorKind::NotJson.as_str(), "not-json");
}

/// The real fetch path: an endpoint that does not answer gives the offline message, never a panic.
#[wasm_bindgen_test]
async fn an_unreachable_endpoint_is_reported_as_offline() {
    let err = ftmem_app::hub::fetch_config("http://127.0.0.1:1", "openai/gpt-oss-20b", "main")
        .await
        .expect_err("nothing listens there");
    assert_eq!(err.kind, ErrorKind::Offline);
    assert!(
        err.message.contains("http://127.0.0.1:1"),
        "{}",
        err.message
    );
}

/// The real fetch path against the test runner's own server, which has no such file: HTTP 404 → not found.
#[wasm_bindgen_test]
async fn a_missing_file_is_reported_as_not_found() {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .expect("origin");
    let err = ftmem_app::hub::fetch_config(&origin, "nobody/nothing", "main")
        .await
        .expect_err("no such file");
    assert_eq!(err.kind, ErrorKind::NotFound, "{}", err.message);
}
