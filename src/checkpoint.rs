//! The checkpoint's own word: the safetensors headers of the repository a config came from, read over HTTP
//! `Range` requests, counted by [`ftmem_core::checkpoint`], and compared with the family model.
//!
//! Requests, all to the config's endpoint and revision (with its token, if any):
//! 0. `GET {endpoint}/api/models/{id}/revision/{rev}` (the Hub's model-info API, huggingface_hub `model_info`):
//!    its `siblings` say whether the repository has an index, single safetensors files or none, so no request
//!    asks for a file that is not there. When the API does not answer (a mirror without it), step 1 probes.
//! 1. `GET {base}/model.safetensors.index.json`: the shard list (`weight_map`); a 404 means a single
//!    `model.safetensors`.
//! 2. Per file, concurrently (at most [`CONCURRENT`] at a time): `Range: bytes=0-7` (the header length), then
//!    `Range: bytes=8-{8+N-1}` (the JSON header). Only a `206 Partial Content` answer is read; a server that
//!    ignores `Range` and starts sending the whole file (`200`) is cut off at once ([`web_sys::AbortController`]).
//!
//! On huggingface.co a `resolve` URL of a file stored with LFS / Xet answers `302` to a CDN host
//! (`cdn-lfs*.hf.co`, `cas-bridge.xethub.hf.co`); the browser follows it, sending `Range` again (a `Range`
//! with a single `bytes=a-b` value is a CORS-safelisted request header in the Fetch standard, and the Hub's CDN
//! answers with `Access-Control-Allow-Origin: *`, as huggingface.js's `parseSafetensorsMetadata`, which reads
//! headers this way in the browser, relies on) and dropping `Authorization` on the cross-origin hop (the CDN URL is
//! signed). The page's CSP lists those hosts in `connect-src`.
//!
//! The summary is kept in local storage per endpoint, repository and revision (the tensors themselves are not:
//! a large MoE has tens of thousands), so a model fetched before shows its checkpoint offline too. Any failure
//! (no safetensors, HTTP error, CORS, offline, a malformed header) gives a one-line note; the counts then follow
//! the family model alone.

use crate::error::Msg;
use crate::hub::{encode_revision, HfToken};
use crate::i18n::T;
use ftmem_core::checkpoint::{self, Loading, Summary};
use ftmem_core::Architecture;

/// Shard headers fetched at once.
pub const CONCURRENT: usize = 8;

/// What the page knows of the loaded model's checkpoint.
#[derive(Debug, Clone, PartialEq)]
pub enum CheckpointState {
    /// Not asked for (a pasted, uploaded or built-in config).
    None,
    /// Headers being read.
    Loading,
    /// Read (or restored from local storage).
    Read(Summary),
    /// Not read; the note says why, in both languages.
    Failed(Msg),
}

fn file_url(endpoint: &str, id: &str, rev: &str, file: &str) -> String {
    format!(
        "{}/{id}/resolve/{}/{file}",
        endpoint.trim_end_matches('/'),
        encode_revision(rev)
    )
}

fn storage_key(endpoint: &str, id: &str, rev: &str) -> String {
    format!("ftmem.checkpoint:{endpoint}|{id}|{rev}")
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// A summary kept from an earlier visit, if any.
pub fn stored_summary(endpoint: &str, id: &str, rev: &str) -> Option<Summary> {
    let text = storage()?
        .get_item(&storage_key(endpoint, id, rev))
        .ok()??;
    Summary::from_json(&text)
}

fn keep_summary(endpoint: &str, id: &str, rev: &str, s: &Summary) {
    if let Some(st) = storage() {
        let _ = st.set_item(&storage_key(endpoint, id, rev), &s.to_json());
    }
}

const NOT_READ: T = T::new(
    "Checkpoint headers not read",
    "체크포인트 헤더를 읽지 못했습니다",
);

fn failed(en: &str, ko: &str) -> Msg {
    Msg::new(
        format!("{}: {en}; counts follow the family model.", NOT_READ.en),
        format!("{}: {ko}. 파라미터 수는 모델 계열별 계산식으로 셉니다.", NOT_READ.ko),
    )
}

enum Got {
    Bytes(Vec<u8>),
    Status(u16),
    Network,
}

/// GET `url` (with `range`, if given), reading the body only for the expected status.
async fn get(url: &str, range: Option<String>, token: Option<&HfToken>) -> Got {
    let abort = web_sys::AbortController::new().ok();
    let mut req = gloo_net::http::Request::get(url);
    if let Some(a) = &abort {
        req = req.abort_signal(Some(&a.signal()));
    }
    if let Some(r) = &range {
        req = req.header("Range", r);
    }
    if let Some(t) = token {
        req = req.header("Authorization", &t.authorization());
    }
    let Ok(resp) = req.send().await else {
        return Got::Network;
    };
    let want = if range.is_some() { 206 } else { 200 };
    if resp.status() != want {
        if let Some(a) = abort {
            a.abort();
        }
        return Got::Status(resp.status());
    }
    match resp.binary().await {
        Ok(b) => Got::Bytes(b),
        Err(_) => Got::Network,
    }
}

/// The tensors of one safetensors file, from its header alone.
async fn header(url: String, token: Option<HfToken>) -> Result<Vec<checkpoint::Tensor>, Msg> {
    let file = url.rsplit('/').next().unwrap_or("").to_string();
    let status = |s: u16| match s {
        200 => failed(
            &format!("the server ignored the Range request for {file}"),
            &format!("서버가 {file}의 Range 요청을 따르지 않았습니다"),
        ),
        s => failed(
            &format!("HTTP {s} for {file}"),
            &format!("{file} 요청에 HTTP {s} 응답"),
        ),
    };
    let offline = || {
        failed(
            &format!("no answer for {file} (offline, or the host blocks cross-origin requests)"),
            &format!("{file}에 응답이 없습니다 (오프라인이거나 교차 출처 요청이 막혔습니다)"),
        )
    };
    let bad = |e: checkpoint::CheckpointError| {
        failed(
            &format!("{file}: {e}"),
            &format!("{file}의 헤더를 해석할 수 없습니다 ({e})"),
        )
    };
    let first = match get(&url, Some("bytes=0-7".into()), token.as_ref()).await {
        Got::Bytes(b) => b,
        Got::Status(s) => return Err(status(s)),
        Got::Network => return Err(offline()),
    };
    let n = checkpoint::header_len(&first).map_err(bad)?;
    let range = format!("bytes=8-{}", 8 + n - 1);
    let json = match get(&url, Some(range), token.as_ref()).await {
        Got::Bytes(b) if b.len() as u64 == n => b,
        Got::Bytes(_) => {
            return Err(bad(checkpoint::CheckpointError(
                "the header arrived cut short".into(),
            )))
        }
        Got::Status(s) => return Err(status(s)),
        Got::Network => return Err(offline()),
    };
    checkpoint::parse_header(&json).map_err(bad)
}

/// Read the checkpoint of `id` at `rev` from `endpoint` and count it for `arch` (its config); the summary is
/// also kept in local storage unless a token was sent. Errors: the one-line note (both languages) of the first failure.
pub async fn read(
    endpoint: &str,
    id: &str,
    rev: &str,
    token: Option<&HfToken>,
    arch: &Architecture,
) -> Result<Summary, Msg> {
    // Offline: no request (it could only fail); the caller falls back to the summary kept before.
    if web_sys::window().is_some_and(|w| !w.navigator().on_line()) {
        return Err(failed("offline", "오프라인입니다"));
    }
    // The file list first (no 404 in the console for the file a repository does not have); without the API
    // (a mirror that lacks it), ask for the index and fall back to a single file.
    let info_url = format!(
        "{}/api/models/{id}/revision/{}",
        endpoint.trim_end_matches('/'),
        encode_revision(rev)
    );
    let listed = match get(&info_url, None, token).await {
        Got::Bytes(b) => sibling_files(&b),
        _ => None,
    };
    match &listed {
        Some(files) if files.iter().any(|f| f == "model.safetensors.index.json") => {}
        Some(files) => {
            let single: Vec<String> = files
                .iter()
                .filter(|f| f.ends_with(".safetensors") && !f.contains('/'))
                .cloned()
                .collect();
            if single.is_empty() {
                return Err(failed(
                    "the repository has no safetensors weights",
                    "저장소에 safetensors 가중치가 없습니다",
                ));
            }
            return read_files(endpoint, id, rev, token, arch, single).await;
        }
        _ => {}
    }
    let index_url = file_url(endpoint, id, rev, "model.safetensors.index.json");
    let files = match get(&index_url, None, token).await {
        Got::Bytes(b) => {
            let text = String::from_utf8_lossy(&b);
            checkpoint::index_files(&text).map_err(|e| {
                failed(
                    &format!("model.safetensors.index.json: {e}"),
                    &format!("model.safetensors.index.json을 해석할 수 없습니다 ({e})"),
                )
            })?
        }
        Got::Status(404) => vec!["model.safetensors".to_string()],
        Got::Status(s) => {
            return Err(failed(
                &format!("HTTP {s} for model.safetensors.index.json"),
                &format!("model.safetensors.index.json 요청에 HTTP {s} 응답"),
            ))
        }
        Got::Network => {
            return Err(failed(
                "no answer (offline, or the host blocks cross-origin requests)",
                "응답이 없습니다 (오프라인이거나 교차 출처 요청이 막혔습니다)",
            ))
        }
    };
    read_files(endpoint, id, rev, token, arch, files).await
}

/// The root-level file names in a model-info answer's `siblings` (`[{"rfilename": ...}]`), or `None` when the
/// answer is not one.
fn sibling_files(body: &[u8]) -> Option<Vec<String>> {
    let v: serde_json::Value = serde_json::from_str(std::str::from_utf8(body).ok()?).ok()?;
    let list = v.get("siblings")?.as_array()?;
    Some(
        list.iter()
            .filter_map(|s| s.get("rfilename")?.as_str().map(str::to_string))
            .collect(),
    )
}

/// Read the headers of `files` and count them.
async fn read_files(
    endpoint: &str,
    id: &str,
    rev: &str,
    token: Option<&HfToken>,
    arch: &Architecture,
    files: Vec<String>,
) -> Result<Summary, Msg> {
    if files.len() > checkpoint::MAX_FILES {
        return Err(failed(
            "the repository lists too many safetensors files",
            "저장소의 safetensors 파일이 너무 많습니다",
        ));
    }
    let mut tensors = Vec::new();
    for chunk in files.chunks(CONCURRENT) {
        let reads = chunk
            .iter()
            .map(|f| header(file_url(endpoint, id, rev, f), token.cloned()));
        for r in futures::future::join_all(reads).await {
            tensors.extend(r.map_err(|e| match files.as_slice() {
                [one] if one == "model.safetensors" && e.en.contains("HTTP 404") => failed(
                    "the repository has no safetensors weights",
                    "저장소에 safetensors 가중치가 없습니다",
                ),
                _ => e,
            })?);
        }
    }
    let summary = checkpoint::summarize(&tensors, files.len() as u64, Loading::of(arch))
        .map_err(|e| failed(&e.0, &e.0))?;
    // A private repository's facts are not written to disk (as the service worker does with its config).
    if token.is_none() {
        keep_summary(endpoint, id, rev, &summary);
    }
    Ok(summary)
}
