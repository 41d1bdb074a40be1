//! Benchmark of one `estimate` call (budget: ≤ 20 µs natively, issue 6 §5), and of parsing a config.
//!
//! Run: `cargo bench -p ftmem-core --bench estimate` (criterion; the report is in target/criterion/).

use criterion::{criterion_group, criterion_main, Criterion};
use ftmem_core::{parse_config, Settings};
use std::hint::black_box;

const CONFIGS: [(&str, &str); 3] = [
    (
        "gpt-oss-20b",
        include_str!("../../tests/fixtures/configs/openai__gpt-oss-20b.json"),
    ),
    (
        "llama-3.1-8b",
        include_str!("../../tests/fixtures/configs/meta-llama__Meta-Llama-3.1-8B.json"),
    ),
    (
        "deepseek-v3",
        include_str!("../../tests/fixtures/configs/deepseek-ai__DeepSeek-V3.json"),
    ),
];

const QUERIES: [(&str, &str); 4] = [
    ("qlora", "mode=qlora&batch=4&seq=2048&rank=16"),
    (
        "lora",
        "mode=lora&batch=2&seq=4096&gc=0&targets=q_proj,v_proj",
    ),
    (
        "full",
        "mode=full&precision=mixed&batch=8&seq=1024&optim=adamw8bit",
    ),
    ("inference", "mode=inference&batch=1&seq=16384&new=512"),
];

fn bench(c: &mut Criterion) {
    for (name, text) in CONFIGS {
        let arch = parse_config(text).expect("fixture parses");
        for (qname, q) in QUERIES {
            let s = Settings::from_query(q).expect("valid query");
            c.bench_function(&format!("estimate/{name}/{qname}"), |b| {
                b.iter(|| ftmem_core::estimate(black_box(&arch), black_box(&s)))
            });
        }
        c.bench_function(&format!("parse_config/{name}"), |b| {
            b.iter(|| parse_config(black_box(text)))
        });
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
