//! The estimate exported (issue 12 §4): the JSON is `ftmem estimate`'s, the CSV adds up to the total, and the
//! command line reproduces the same JSON.

use ftmem_core::export::{breakdown_csv, cli_command, estimate_json};
use ftmem_core::{estimate, parse_config, Settings};

fn gpt_oss() -> ftmem_core::Architecture {
    let p = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/configs/openai__gpt-oss-20b.json");
    parse_config(&std::fs::read_to_string(p).unwrap()).unwrap()
}

#[test]
fn json_csv_and_command_describe_the_same_estimate() {
    let arch = gpt_oss();
    let s = Settings::from_query("model=openai/gpt-oss-20b&rev=v1.0&batch=2&seq=4096&stack=trainer").unwrap();
    let est = estimate(&arch, &s).unwrap();
    let v = estimate_json(&arch, &s).unwrap();
    assert_eq!(v["total_bytes"].as_u64(), Some(est.total_bytes.0));
    assert_eq!(v["components"].as_array().unwrap().len(), est.components.len());
    assert_eq!(v["stack"], "trainer");
    // The CSV: header, one row per component, the total; the rows add up to it.
    let csv = breakdown_csv(&est);
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "component,bytes,gb,gib");
    assert_eq!(lines.len(), est.components.len() + 2);
    let sum: u64 = lines[1..lines.len() - 1]
        .iter()
        .map(|l| l.split(',').nth(1).unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(sum, est.total_bytes.0);
    assert_eq!(lines.last().unwrap(), &format!("total,{},{:.3},{:.3}", est.total_bytes.0, est.total_bytes.gb(), est.total_bytes.gib()));
    // The command: the config from the same endpoint and revision, then the query without model/rev.
    let cmd = cli_command("https://huggingface.co/", &s);
    assert_eq!(
        cmd,
        "curl -sfL 'https://huggingface.co/openai/gpt-oss-20b/resolve/v1.0/config.json' -o config.json && ftmem estimate config.json 'batch=2&seq=4096&stack=trainer'"
    );
    let query = cmd.rsplit(' ').next().unwrap().trim_matches('\'');
    let again = estimate_json(&arch, &Settings::from_query(query).unwrap()).unwrap();
    assert_eq!(again["total_bytes"], v["total_bytes"]);
    // A pasted config: a local config.json only.
    let local = Settings::from_query("batch=2").unwrap();
    assert_eq!(cli_command("https://huggingface.co", &local), "ftmem estimate config.json 'batch=2'");
}
