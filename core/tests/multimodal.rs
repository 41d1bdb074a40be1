//! Multimodal wrappers in the estimate: the vision tower and projector are resident as weights (and, under
//! `all-linear`, carry resident LoRA adapters) but are not called in a text-only run, so they add no
//! activations, gradients or optimizer states. Checked against the same model with the towers removed.

use ftmem_core::arch::Architecture;
use ftmem_core::{estimate, parse_config, Settings};

fn gemma3() -> Architecture {
    let p = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/configs/google__gemma-3-4b-it.json"
    );
    parse_config(&std::fs::read_to_string(p).expect("fixture")).expect("gemma-3-4b-it")
}

fn item(arch: &Architecture, query: &str, name: &str) -> u64 {
    let e = estimate(arch, &Settings::from_query(query).expect("query")).expect("estimate");
    e.components
        .iter()
        .filter(|c| c.name == name)
        .map(|c| c.bytes.0)
        .sum()
}

#[test]
fn towers_are_resident_weights_but_never_trained_in_a_text_only_run() {
    let with = gemma3();
    let mut without = with.clone();
    without.outer_modules.retain(|m| !m.component.is_tower());
    let tower_params: u64 = with
        .outer_modules
        .iter()
        .filter(|m| m.component.is_tower())
        .map(|m| m.params.0 * m.instances)
        .sum();
    assert_eq!(
        tower_params, 419_816_304,
        "SigLIP tower + projector of gemma-3-4b-it"
    );
    for query in [
        "mode=full&seq=512&stack=trainer",
        "mode=lora&targets=all-linear&seq=512&stack=trainer",
        "mode=lora&targets=all-linear&seq=512&gc=1",
    ] {
        for name in ["gradients", "optimizer_states", "activations"] {
            assert_eq!(
                item(&with, query, name),
                item(&without, query, name),
                "{query}: {name} must not grow with idle towers"
            );
        }
        let extra = item(&with, query, "weights") - item(&without, query, "weights");
        assert_eq!(extra, tower_params * 2, "{query}: bf16 tower weights");
    }
    // all-linear puts resident fp32 adapters on the tower's linears (PEFT 0.21); q_proj,v_proj on its q/v.
    let q = "mode=lora&targets=all-linear&rank=16&seq=512&stack=trainer";
    assert!(item(&with, q, "adapters") > item(&without, q, "adapters"));
}
