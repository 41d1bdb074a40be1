//! Property tests of the query-string parser (`Settings::from_query` / `to_query`): no input panics, and every
//! valid settings value survives a round trip through its query string.

use ftmem_core::settings::{Settings, Shard, Stack, Targets};
use proptest::prelude::*;

mod common;

fn arb_settings() -> impl Strategy<Value = Settings> {
    let mode = common::arb_mode();
    let optim = common::arb_optim();
    let attn = common::arb_attn();
    let targets = prop_oneof![
        Just(Targets::AllLinear),
        Just(Targets::Attn),
        Just(Targets::Qv),
        proptest::collection::vec("[a-z][a-z0-9_]{0,12}", 1..4).prop_map(|mut v| {
            v.dedup();
            let mut seen = Vec::new();
            v.retain(|x| {
                if seen.contains(x) {
                    false
                } else {
                    seen.push(x.clone());
                    true
                }
            });
            Targets::parse(&v.join(",")).unwrap()
        }),
    ];
    (
        (
            mode,
            any::<bool>(),
            1u64..=1 << 20,
            1u64..=1 << 24,
            0u64..=1 << 24,
            1u64..=65536,
        ),
        (
            targets,
            0u32..1000,
            any::<bool>(),
            optim,
            attn,
            "[a-zA-Z0-9_./-]{0,30}",
            "[a-z0-9.]{1,12}",
            any::<prop::sample::Index>(),
        ),
        (
            1u64..=65536,
            0usize..5,
            0usize..3,
            0usize..3,
            any::<bool>(),
            prop::collection::vec("[a-z0-9_]{1,8}(\\.[a-z0-9_]{1,8}){0,3}", 0..4),
        ),
    )
        .prop_map(
            |(
                (mode, dq, batch, seq, new_tokens, rank),
                (targets, d, gc, optim, attn, model, rev, pi),
                (gpus, si, oi, sti, liger, tp),
            )| {
                let ps = mode.precisions();
                let precision = if pi.index(ps.len() + 1) == ps.len() {
                    None
                } else {
                    Some(ps[pi.index(ps.len())])
                };
                Settings {
                    model,
                    rev,
                    mode,
                    precision,
                    double_quant: dq,
                    batch,
                    grad_accum: 1 + (batch % 7),
                    seq,
                    new_tokens,
                    rank,
                    targets,
                    // Parsed back without repeats (settings.rs `parse_target_params`).
                    target_params: tp.iter().enumerate().filter(|(i, n)| !tp[..*i].contains(n)).map(|(_, n)| n.clone()).collect(),
                    dropout: d as f64 / 1000.0,
                    gc,
                    optim,
                    attn,
                    gpus,
                    shard: Shard::ALL[si],
                    offload: common::OFFLOADS[oi],
                    stack: Stack::ALL[sti],
                    liger: liger && Stack::ALL[sti] != Stack::Loop,
                    // Serving keys, drawn from the values above (every key still varies).
                    util: (d % 100 + 1) as f64 / 100.0,
                    maxlen: gc.then_some(seq),
                    kvdtype: if dq { ftmem_core::settings::KvDtype::Fp8 } else { ftmem_core::settings::KvDtype::Auto },
                    tp: 1 << (oi + si) % 7,
                    seqs: liger.then_some(rank),
                }
            },
        )
        // Keep only the combinations the parser accepts (the rules are unit-tested in settings.rs).
        .prop_filter("valid sharding", |s| s.check_sharding().is_ok())
}

proptest! {
    #[test]
    fn any_string_parses_or_errors_without_panic(q in ".{0,200}") {
        let _ = Settings::from_query(&q);
    }

    #[test]
    fn any_key_value_soup_names_a_known_key_on_error(
        pairs in proptest::collection::vec(("(mode|precision|dq|batch|seq|new|rank|targets|dropout|gc|optim|attn|gpus|shard|offload|stack|liger|lang)", ".{0,20}"), 0..8)
    ) {
        let q: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={}", ftmem_core::settings::percent_encode(v))).collect();
        if let Err(e) = Settings::from_query(&q.join("&")) {
            prop_assert!(["mode","precision","dq","batch","seq","new","rank","targets","dropout","gc","optim","attn","gpus","shard","offload","stack","liger"].contains(&e.key.as_str()));
            prop_assert!(!e.message.is_empty());
        }
    }

    #[test]
    fn valid_settings_roundtrip(s in arb_settings()) {
        let q = s.to_query();
        let back = Settings::from_query(&q).unwrap();
        prop_assert_eq!(back, s);
    }
}
