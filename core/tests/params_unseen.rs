//! Exactness on configs the fixtures do not contain: small configs of every family, counted by transformers
//! 5.17 + PEFT 0.21 on the meta device (the probe described in the module docs of `ftmem_core::lora`; each
//! config is hidden 64, intermediate 96, 4 heads, 2 kv heads, vocab 128, 2 layers unless overridden).
//! Expected: total parameters, LoRA rank-2 adapter sizes on `q_proj,v_proj` and `all-linear` (None = PEFT
//! raised an error).

use ftmem_core::settings::Targets;
use ftmem_core::{lora, params, parse_config};
use serde_json::{json, Value};

fn cfg(model_type: &str, extra: Value) -> String {
    let mut v = json!({"model_type": model_type, "hidden_size": 64, "intermediate_size": 96,
        "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 128, "num_hidden_layers": 2});
    for (k, x) in extra.as_object().expect("object") {
        v[k] = x.clone();
    }
    v.to_string()
}

#[test]
fn small_configs_of_every_family_match_transformers_and_peft() {
    let moe = json!({"n_routed_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 32,
        "n_shared_experts": 1, "first_k_dense_replace": 1, "kv_lora_rank": 16, "qk_nope_head_dim": 8,
        "qk_rope_head_dim": 4, "v_head_dim": 8, "n_group": 1, "topk_group": 1});
    let with = |base: &Value, extra: Value| {
        let mut b = base.clone();
        for (k, x) in extra.as_object().expect("object") {
            b[k] = x.clone();
        }
        b
    };
    // (model_type, overrides, total, LoRA qv, LoRA all-linear)
    type Case = (&'static str, Value, u64, Option<u64>, Option<u64>);
    let cases: Vec<Case> = vec![
        ("llama", json!({}), 78144, Some(896), Some(3712)),
        ("mistral", json!({}), 78144, Some(896), Some(3712)),
        ("qwen2", json!({}), 78400, Some(896), Some(3712)),
        (
            "qwen3",
            json!({"head_dim": 16}),
            78208,
            Some(896),
            Some(3712),
        ),
        (
            "mixtral",
            json!({"num_local_experts": 4, "num_experts_per_tok": 2}),
            189248,
            Some(896),
            Some(12816),
        ),
        (
            "qwen2_moe",
            json!({"num_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 32,
            "shared_expert_intermediate_size": 48}),
            109760,
            Some(896),
            Some(3396),
        ),
        (
            "qwen3_moe",
            json!({"num_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 32,
            "head_dim": 16}),
            91008,
            Some(896),
            Some(7696),
        ),
        (
            "qwen3_next",
            json!({"num_experts": 4, "num_experts_per_tok": 2, "moe_intermediate_size": 32,
            "shared_expert_intermediate_size": 48, "head_dim": 16, "num_hidden_layers": 4,
            "linear_num_key_heads": 2, "linear_num_value_heads": 4, "linear_key_head_dim": 8,
            "linear_value_head_dim": 12}),
            206172,
            Some(576),
            Some(15608),
        ),
        (
            "deepseek_v2",
            with(&moe, json!({"q_lora_rank": null})),
            80992,
            Some(448),
            Some(4440),
        ),
        (
            "deepseek_v3",
            with(&moe, json!({"q_lora_rank": 24})),
            80272,
            None,
            Some(4632),
        ),
        (
            "glm4_moe",
            with(&moe, json!({"head_dim": 16, "use_qk_norm": true})),
            90752,
            Some(896),
            Some(4744),
        ),
        (
            "nemotron_h",
            json!({"hybrid_override_pattern": "M*-", "num_hidden_layers": 3, "mamba_num_heads": 4,
            "mamba_head_dim": 8, "n_groups": 2, "ssm_state_size": 6, "head_dim": 16}),
            49476,
            Some(448),
            None,
        ),
        (
            "gemma",
            json!({"head_dim": 16}),
            69952,
            Some(896),
            Some(3712),
        ),
        (
            "gemma2",
            json!({"head_dim": 16}),
            70208,
            Some(896),
            Some(3712),
        ),
        (
            "gemma3_text",
            json!({"head_dim": 16}),
            70272,
            Some(896),
            Some(3712),
        ),
        ("starcoder2", json!({}), 58688, Some(896), Some(3072)),
        ("olmo2", json!({}), 78336, Some(896), Some(3712)),
        ("phi", json!({}), 66752, Some(896), Some(3072)),
        (
            "glm4_moe_lite",
            with(&moe, json!({"q_lora_rank": 24})),
            80272,
            None,
            Some(4632),
        ),
        (
            "glm4_moe_lite",
            with(
                &moe,
                json!({"q_lora_rank": null, "n_shared_experts": 2, "num_hidden_layers": 3,
                "mlp_layer_types": ["dense", "sparse", "dense"], "attention_bias": true}),
            ),
            113388,
            Some(672),
            Some(5184),
        ),
        (
            "smollm3",
            json!({"pad_token_id": 0}),
            69952,
            Some(896),
            Some(3712),
        ),
        (
            "smollm3",
            json!({"pad_token_id": 0, "attention_bias": true, "mlp_bias": true,
            "tie_word_embeddings": false}),
            79040,
            Some(896),
            Some(3712),
        ),
        ("ernie4_5", json!({}), 241984, Some(3584), Some(9088)),
        (
            "ernie4_5",
            json!({"head_dim": 16, "use_bias": true, "tie_word_embeddings": false}),
            79040,
            Some(896),
            Some(3712),
        ),
        (
            "seed_oss",
            json!({"head_dim": 16}),
            78400,
            Some(896),
            Some(3712),
        ),
        (
            "seed_oss",
            json!({"head_dim": 16, "attention_out_bias": true, "mlp_bias": true}),
            79040,
            Some(896),
            Some(3712),
        ),
        (
            "olmo3",
            json!({"num_hidden_layers": 4}),
            140224,
            Some(1792),
            Some(7424),
        ),
        (
            "exaone4",
            json!({"num_hidden_layers": 4}),
            139968,
            Some(1792),
            Some(7424),
        ),
        (
            "exaone4",
            json!({"head_dim": 32, "tie_word_embeddings": true}),
            94656,
            Some(1280),
            Some(4480),
        ),
        (
            "gpt_oss",
            json!({"num_local_experts": 4, "num_experts_per_tok": 2, "head_dim": 16}),
            191696,
            Some(896),
            Some(1792),
        ),
    ];
    let mut failures = Vec::new();
    for (mt, extra, total, qv, all) in cases {
        let arch = match parse_config(&cfg(mt, extra)) {
            Ok(a) => a,
            Err(e) => {
                failures.push(format!("{mt}: {e}"));
                continue;
            }
        };
        if arch.approximate {
            failures.push(format!("{mt}: fell to the generic decoder"));
        }
        let got = params::count(&arch).total.0;
        if got != total {
            failures.push(format!("{mt}: total {got} != {total}"));
        }
        for (label, targets, want) in [
            ("qv", Targets::Qv, qv),
            ("all-linear", Targets::AllLinear, all),
        ] {
            if let (Some(w), Ok(g)) = (want, lora::adapter_params(&arch, 2, &targets)) {
                if g.0 != w {
                    failures.push(format!("{mt}: lora {label} {} != {w}", g.0));
                }
            }
        }
    }
    let gpt2 = json!({"model_type": "gpt2", "n_embd": 64, "n_layer": 2, "n_head": 4, "n_positions": 32, "vocab_size": 128});
    let arch = parse_config(&gpt2.to_string()).expect("gpt2");
    assert_eq!(params::count(&arch).total.0, 110336);
    assert_eq!(
        lora::adapter_params(&arch, 2, &Targets::AllLinear)
            .expect("lora")
            .0,
        4096
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn unknown_family_is_generic_and_approximate_or_names_the_missing_field() {
    let ok = json!({"model_type": "brand_new", "n_embd": 64, "n_layer": 2, "n_head": 4, "n_inner": 96, "vocab_size": 128});
    let arch = parse_config(&ok.to_string()).expect("generic decoder");
    assert!(arch.approximate);
    assert!(params::count(&arch).approximate);
    assert_eq!(arch.hidden_size, 64);
    let missing = json!({"model_type": "brand_new", "hidden_size": 64, "num_attention_heads": 4, "vocab_size": 128});
    let err = parse_config(&missing.to_string()).unwrap_err().to_string();
    assert!(err.contains("num_hidden_layers"), "{err}");
}

#[test]
fn gemma3_multimodal_wrapper_describes_its_text_model_and_a_default_vision_tower() {
    let text = json!({"hidden_size": 64, "intermediate_size": 96, "num_attention_heads": 4, "num_key_value_heads": 2,
        "vocab_size": 128, "num_hidden_layers": 2, "head_dim": 16});
    let wrapped = json!({"model_type": "gemma3", "text_config": text, "torch_dtype": "bfloat16"});
    let arch = parse_config(&wrapped.to_string()).expect("gemma3 wrapper");
    assert_eq!(arch.model_type, "gemma3_text");
    assert_eq!(arch.dtype.as_deref(), Some("bfloat16"));
    // transformers 5.17: the language model (70 272) plus, with no `vision_config`, a default
    // `SiglipVisionConfig()` tower with its pooling head (92 884 224) and the projector (768 × 64 + 768).
    let counts = params::count(&arch);
    assert_eq!(counts.total.0, 93004416);
    let lm: u64 = counts
        .components
        .iter()
        .filter(|c| !c.component.is_tower())
        .map(|c| c.total.0)
        .sum();
    assert_eq!(lm, 70272);
    assert_eq!(
        lora::adapter_params(&arch, 2, &Targets::AllLinear)
            .expect("lora")
            .0,
        353920
    );
}

#[test]
fn lora_targets_matching_nothing_is_an_error() {
    let arch = parse_config(&cfg("llama", json!({}))).expect("llama");
    let err = lora::adapter_params(&arch, 16, &Targets::Modules(vec!["nope".into()])).unwrap_err();
    assert!(err.contains("q_proj"), "{err}");
    assert!(lora::adapter_params(&arch, 0, &Targets::Qv).is_err());
    // explicit names: r × (in + out) per match; lm_head is adaptable by name.
    let q = lora::adapter_params(
        &arch,
        1,
        &Targets::Modules(vec!["q_proj".into(), "lm_head".into()]),
    )
    .expect("q");
    assert_eq!(q.0, 2 * (64 + 64) + (64 + 128));
}

/// Small multimodal wrappers (transformers 5.17 `AutoModelForImageTextToText` on the meta device, PEFT 0.21 rank
/// 2): total parameters including the vision tower and projector, LoRA on `q_proj,v_proj` and `all-linear`
/// (which PEFT applies to the towers' linears too), and the tower's share.
#[test]
fn small_multimodal_wrappers_count_their_towers_as_transformers_builds_them() {
    let text = json!({"hidden_size": 64, "intermediate_size": 96, "num_attention_heads": 4,
        "num_key_value_heads": 2, "vocab_size": 128, "num_hidden_layers": 2});
    let with = |base: &Value, extra: Value| {
        let mut b = base.clone();
        for (k, x) in extra.as_object().expect("object") {
            b[k] = x.clone();
        }
        b
    };
    // (config, total, towers + projector, LoRA qv, LoRA all-linear)
    let cases: Vec<(Value, u64, u64, u64, u64)> = vec![
        (
            json!({"model_type": "gemma3", "mm_tokens_per_image": 4,
            "text_config": with(&text, json!({"model_type": "gemma3_text", "head_dim": 16})),
            "vision_config": {"model_type": "siglip_vision_model", "hidden_size": 32, "intermediate_size": 48,
                "num_attention_heads": 2, "num_hidden_layers": 2, "image_size": 28, "patch_size": 7,
                "vision_use_head": false}}),
            92672,
            20320 + 2080,
            1408,
            5376,
        ),
        (
            json!({"model_type": "qwen2_5_vl",
            "text_config": with(&text, json!({"model_type": "qwen2_5_vl_text",
                "rope_scaling": {"type": "mrope", "mrope_section": [2, 2, 4]}})),
            "vision_config": {"depth": 2, "hidden_size": 32, "intermediate_size": 48, "num_heads": 2,
                "out_hidden_size": 64, "patch_size": 4, "spatial_merge_size": 2, "temporal_patch_size": 2,
                "window_size": 16, "fullatt_block_indexes": [1]}}),
            124320,
            45920,
            896,
            6336,
        ),
        (
            json!({"model_type": "qwen3_vl",
            "text_config": with(&text, json!({"model_type": "qwen3_vl_text", "head_dim": 16,
                "rope_scaling": {"rope_type": "default", "mrope_section": [2, 2, 4]}})),
            "vision_config": {"depth": 3, "hidden_size": 32, "intermediate_size": 48, "num_heads": 2,
                "out_hidden_size": 64, "patch_size": 4, "spatial_merge_size": 2, "temporal_patch_size": 2,
                "num_position_embeddings": 16, "deepstack_visual_indexes": [0, 1]}}),
            179216,
            101008,
            896,
            8512,
        ),
        (
            json!({"model_type": "mistral3", "spatial_merge_size": 2,
            "text_config": with(&text, json!({"model_type": "mistral", "head_dim": 16})),
            "vision_config": {"model_type": "pixtral", "hidden_size": 32, "intermediate_size": 48,
                "num_attention_heads": 2, "num_hidden_layers": 2, "head_dim": 16, "image_size": 32,
                "patch_size": 4}}),
            99328,
            19104 + 10272,
            1408,
            6464,
        ),
        (
            json!({"model_type": "llama4",
            "text_config": with(&text, json!({"model_type": "llama4_text", "intermediate_size_mlp": 80,
                "head_dim": 16, "num_local_experts": 4, "num_experts_per_tok": 1,
                "interleave_moe_layer_step": 1})),
            "vision_config": {"hidden_size": 32, "intermediate_size": 48, "num_attention_heads": 2,
                "num_hidden_layers": 2, "image_size": 32, "patch_size": 4, "vision_output_dim": 40,
                "projector_input_dim": 40, "projector_output_dim": 40, "pixel_shuffle_ratio": 0.5}}),
            250976,
            22304 + 2560,
            1408,
            6352,
        ),
        (
            with(
                &text,
                json!({"model_type": "llama4_text", "intermediate_size_mlp": 80, "head_dim": 16,
                "num_local_experts": 4, "num_experts_per_tok": 1, "interleave_moe_layer_step": 2}),
            ),
            149056,
            0,
            896,
            3752,
        ),
    ];
    let mut failures = Vec::new();
    for (cfg, total, towers, qv, all) in cases {
        let mt = cfg["model_type"].as_str().unwrap_or("?").to_string();
        let arch = match parse_config(&cfg.to_string()) {
            Ok(a) => a,
            Err(e) => {
                failures.push(format!("{mt}: {e}"));
                continue;
            }
        };
        let counts = params::count(&arch);
        let t: u64 = counts
            .components
            .iter()
            .filter(|c| c.component.is_tower())
            .map(|c| c.total.0)
            .sum();
        if counts.total.0 != total || t != towers || arch.approximate {
            failures.push(format!(
                "{mt}: total {} (towers {t}, approximate {}) != {total} (towers {towers})",
                counts.total.0, arch.approximate
            ));
        }
        for (label, targets, want) in [
            ("qv", Targets::Qv, qv),
            ("all-linear", Targets::AllLinear, all),
        ] {
            match lora::adapter_params(&arch, 2, &targets) {
                Ok(g) if g.0 == want => {}
                other => failures.push(format!("{mt}: lora {label} {other:?} != {want}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
