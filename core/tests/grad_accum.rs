//! `gradient_accumulation_steps` (`ga`): the effective batch, and the memory it costs — from the second
//! micro-batch on, every trainable parameter's gradient exists through the forward and backward.

use ftmem_core::{estimate, parse_config, Settings};

fn llama() -> ftmem_core::Architecture {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/configs/meta-llama__Llama-3.2-1B.json");
    parse_config(&std::fs::read_to_string(p).unwrap()).unwrap()
}

fn total(q: &str) -> u64 {
    estimate(&llama(), &Settings::from_query(q).unwrap()).unwrap().allocated_bytes.0
}

fn grads(q: &str) -> u64 {
    let e = estimate(&llama(), &Settings::from_query(q).unwrap()).unwrap();
    e.components.iter().filter(|c| c.name == "gradients").map(|c| c.bytes.0).sum()
}

#[test]
fn effective_batch_is_micro_batch_times_accumulation_times_gpus() {
    let s = Settings::from_query("batch=4&ga=8&gpus=2&shard=ddp").unwrap();
    assert_eq!(s.effective_batch(), Some(64));
    assert_eq!(Settings::from_query("mode=inference&batch=4&ga=8").unwrap().effective_batch(), Some(4));
    assert_eq!(Settings::from_query("ga=0").unwrap_err().key, "ga");
    assert_eq!(Settings::from_query("ga=8").unwrap().to_query(), "ga=8");
}

#[test]
fn accumulation_keeps_every_gradient_through_the_forward_and_backward() {
    // Full fine-tuning: bf16 gradients of 1.24 B parameters (2.47 GB) are alive at the peak with ga > 1.
    let one = total("mode=full&batch=4&seq=1024");
    let eight = total("mode=full&batch=4&seq=1024&ga=8");
    let g = grads("mode=full&batch=4&seq=1024&ga=8");
    assert_eq!(g, 1_235_814_400 * 2);
    assert!(eight > one && eight - one <= g, "{one} -> {eight}");
    // Any ga > 1 costs the same: the gradients are summed in place.
    assert_eq!(total("mode=full&batch=4&seq=1024&ga=2"), eight);
    // LoRA: the adapters' gradients only, a small effect.
    let l1 = total("mode=lora&batch=4&seq=1024");
    let l8 = total("mode=lora&batch=4&seq=1024&ga=8");
    assert!(l8 >= l1 && l8 - l1 < 100_000_000, "{l1} -> {l8}");
}
