//! Helpers shared by the integration tests of `ftmem-core` (each test file declares `mod common;`): the paths of
//! the real fixture configs (`tests/fixtures/configs/`) and the proptest strategies for the enum-valued settings.

// Each test file is its own crate and uses only some of these helpers.
#![allow(dead_code)]

use ftmem_core::settings::{AttnImpl, Mode, Offload, Optim};
use ftmem_core::Architecture;
use proptest::prelude::*;
use std::path::PathBuf;

/// The path of the fixture config `name` (a file name such as `meta-llama__Llama-3.2-1B.json`).
pub fn fixture_path(name: &str) -> PathBuf {
    [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "tests",
        "fixtures",
        "configs",
        name,
    ]
    .iter()
    .collect()
}

/// The fixture config `name`, read and parsed; panics when it is missing or does not parse.
pub fn fixture_arch(name: &str) -> Architecture {
    ftmem_core::parse_config(&std::fs::read_to_string(fixture_path(name)).unwrap()).unwrap()
}

/// Every fine-tuning mode, uniformly.
pub fn arb_mode() -> impl Strategy<Value = Mode> {
    prop_oneof![
        Just(Mode::Inference),
        Just(Mode::Full),
        Just(Mode::Lora),
        Just(Mode::Qlora),
        Just(Mode::Serve)
    ]
}

/// Every optimizer, uniformly.
pub fn arb_optim() -> impl Strategy<Value = Optim> {
    prop_oneof![
        Just(Optim::Adamw),
        Just(Optim::Adamw8bit),
        Just(Optim::Sgd),
        Just(Optim::Sgdm)
    ]
}

/// Every attention implementation, uniformly.
pub fn arb_attn() -> impl Strategy<Value = AttnImpl> {
    prop_oneof![
        Just(AttnImpl::Auto),
        Just(AttnImpl::Sdpa),
        Just(AttnImpl::Eager)
    ]
}

/// Every offload choice, indexed by a strategy over `0..OFFLOADS.len()`.
pub const OFFLOADS: [Offload; 3] = [Offload::None, Offload::Optimizer, Offload::Params];
