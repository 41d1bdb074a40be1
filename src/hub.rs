//! The Hugging Face Hub: model ids from what the user typed, the `config.json` URL, the fetch, and the mapping of
//! HTTP outcomes to messages.
//!
//! URL layout (the Hub's and its mirrors'): `{endpoint}/{owner}/{name}/resolve/{revision}/config.json`.

use crate::error::{AppError, ErrorKind, Msg};

/// The default Hub endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://huggingface.co";

/// A model reference: Hub id and, when the input named one, a revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelRef {
    /// `owner/name` (or a legacy single-segment id such as `gpt2`).
    pub id: String,
    /// Revision (branch, tag, commit or `refs/pr/N`) found in a pasted URL, if any.
    pub revision: Option<String>,
}

/// Hosts recognised in a URL typed without `https://`.
const KNOWN_HOSTS: [&str; 4] = [
    "huggingface.co",
    "www.huggingface.co",
    "hf.co",
    "hf-mirror.com",
];

fn valid_segment(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 96
        && s != "."
        && s != ".."
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Decode `%XX` escapes of one URL path segment (invalid escapes are kept).
fn decode_segment(s: &str) -> String {
    ftmem_core::settings::percent_decode(&s.replace('+', "%2B"))
}

/// Normalise what the user typed into a [`ModelRef`].
///
/// Accepts an id (`openai/gpt-oss-20b`, `gpt2`) or a Hub URL with or without scheme
/// (`https://huggingface.co/openai/gpt-oss-20b`, `.../tree/main`, `.../tree/v1.0/subdir`,
/// `.../blob/main/config.json`, `.../resolve/<rev>/config.json`, `hf.co/openai/gpt-oss-20b`,
/// `https://huggingface.co/models/openai/gpt-oss-20b`); a query string or fragment is dropped, and the revision
/// of `tree|blob|resolve|raw|commit/<rev>` is returned (percent-decoded, so `refs%2Fpr%2F1` gives `refs/pr/1`).
/// Any host is accepted for a URL, since mirrors share the Hub's layout.
///
/// Errors: a one-line message (both languages) for empty input, dataset or Space URLs, or characters a Hub id cannot have.
pub fn normalize_model_input(input: &str) -> Result<ModelRef, Msg> {
    let s = input.trim();
    if s.is_empty() {
        return Err(Msg::new(
            "Type a Hub model id such as openai/gpt-oss-20b, or a Hub URL.",
            "openai/gpt-oss-20b 같은 Hub 모델 ID나 Hub URL을 입력하세요.",
        ));
    }
    let s = s.split(['?', '#']).next().unwrap_or("");
    let (is_url, rest) = if let Some(r) = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
    {
        (true, r)
    } else {
        // Without a scheme: `huggingface.co/owner/name`, `hf.co/...`, `hf-mirror.com/...`.
        let first = s.split('/').next().unwrap_or("").to_ascii_lowercase();
        (KNOWN_HOSTS.contains(&first.as_str()), s)
    };
    let mut parts: Vec<&str> = rest.split('/').filter(|p| !p.is_empty()).collect();
    if is_url {
        if parts.is_empty() {
            return Err(Msg::new("The URL has no host.", "URL에 호스트가 없습니다."));
        }
        parts.remove(0); // host
        match parts.first().copied() {
            Some("datasets") => {
                return Err(Msg::new(
                    "That is a dataset URL; ftmem needs a model repository.",
                    "데이터셋 URL입니다. ftmem에는 모델 저장소가 필요합니다.",
                ))
            }
            Some("spaces") => {
                return Err(Msg::new(
                    "That is a Space URL; ftmem needs a model repository.",
                    "Space URL입니다. ftmem에는 모델 저장소가 필요합니다.",
                ))
            }
            Some("models") => {
                parts.remove(0);
            }
            _ => {}
        }
    }
    const MARKERS: [&str; 5] = ["tree", "blob", "resolve", "raw", "commit"];
    let (id_parts, revision): (Vec<&str>, Option<String>) =
        match parts.iter().position(|p| MARKERS.contains(p)) {
            Some(i) if i >= 1 => {
                let rev = parts
                    .get(i + 1)
                    .map(|r| decode_segment(r))
                    .filter(|r| !r.trim().is_empty());
                (parts[..i].to_vec(), rev)
            }
            _ => (parts.clone(), None),
        };
    let id_parts: Vec<&str> = if is_url && id_parts.len() > 2 {
        id_parts[..2].to_vec()
    } else {
        id_parts
    };
    match id_parts.len() {
        1 | 2 => {}
        0 => {
            return Err(Msg::new(
                "No model id found in the input.",
                "입력에서 모델 ID를 찾지 못했습니다.",
            ))
        }
        _ => {
            let s = shorten(s, 60);
            return Err(Msg::new(
                format!("`{s}` is not a Hub model id: use owner/name, e.g. openai/gpt-oss-20b."),
                format!("`{s}`은(는) Hub 모델 ID가 아닙니다. owner/name 형식으로 입력하세요 (예: openai/gpt-oss-20b)."),
            ));
        }
    }
    if let Some(bad) = id_parts.iter().find(|p| !valid_segment(p)) {
        let b = shorten(bad, 60);
        return Err(Msg::new(
            format!("`{b}` is not a valid part of a Hub id (letters, digits, `-`, `_`, `.`)."),
            format!("`{b}`은(는) Hub ID에 쓸 수 없습니다 (영문자, 숫자, `-`, `_`, `.`만 가능)."),
        ));
    }
    Ok(ModelRef {
        id: id_parts.join("/"),
        revision,
    })
}

fn shorten(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.push('…');
    }
    out
}

/// Check a revision typed by the user (branch, tag, 40-hex commit, `refs/pr/N`); returns it trimmed, or `main`
/// when empty. Errors on whitespace inside or `..`.
pub fn normalize_revision(rev: &str) -> Result<String, Msg> {
    let r = rev.trim();
    if r.is_empty() {
        return Ok("main".into());
    }
    if r.len() > 256 || r.chars().any(|c| c.is_whitespace() || c.is_control()) || r.contains("..") {
        let r = shorten(r, 60);
        return Err(Msg::new(
            format!("`{r}` is not a usable revision."),
            format!("`{r}`은(는) 쓸 수 있는 리비전이 아닙니다."),
        ));
    }
    Ok(r.to_string())
}

/// Normalise a Hub endpoint: trimmed, without trailing `/`, scheme `http` or `https`.
/// Errors: a message saying the endpoint must start with `https://` (or `http://`).
pub fn normalize_endpoint(e: &str) -> Result<String, Msg> {
    let e = e.trim().trim_end_matches('/');
    let rest = e
        .strip_prefix("https://")
        .or_else(|| e.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !r.contains(char::is_whitespace) => Ok(e.to_string()),
        _ => Err(Msg::new(
            "The endpoint must be a URL starting with https:// (or http://), e.g. https://huggingface.co.",
            "엔드포인트는 https:// (또는 http://)로 시작하는 URL이어야 합니다 (예: https://huggingface.co).",
        )),
    }
}

/// Percent-encode a revision as one path segment (`refs/pr/1` → `refs%2Fpr%2F1`, as the Hub expects).
pub fn encode_revision(rev: &str) -> String {
    let mut out = String::with_capacity(rev.len());
    for &c in rev.as_bytes() {
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~') {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

/// `{endpoint}/{id}/resolve/{revision}/config.json`, the endpoint without a trailing `/`.
pub fn config_url(endpoint: &str, id: &str, revision: &str) -> String {
    format!(
        "{}/{}/resolve/{}/config.json",
        endpoint.trim_end_matches('/'),
        id,
        encode_revision(revision)
    )
}

/// The error for a non-success HTTP status of a `config.json` GET, or `None` for 2xx.
/// 401/403 → gated or private (offering the paste box); 404 → no such repo, revision or file; 429 → rate limited;
/// anything else → the status number.
pub fn status_error(status: u16, id: &str, revision: &str) -> Option<AppError> {
    let (kind, en, ko) = match status {
        200..=299 => return None,
        401 | 403 => (
            ErrorKind::Unauthorized,
            format!(
                "The Hub refused access to {id} (HTTP {status}): the repository is gated or private (the Hub also \
                 answers this for a repository that does not exist). Accept its licence on the Hub and paste or \
                 upload its config.json below."
            ),
            format!(
                "Hub가 {id}에 대한 접근을 거부했습니다 (HTTP {status}): 접근 제한(gated) 또는 비공개 저장소입니다 \
                 (존재하지 않는 저장소에도 Hub는 이렇게 답합니다). Hub에서 라이선스에 동의한 뒤, 아래에 config.json을 \
                 붙여넣거나 파일로 올리세요."
            ),
        ),
        404 => (
            ErrorKind::NotFound,
            format!(
                "Not found (HTTP 404): no repository {id}, no revision `{revision}` in it, or no config.json at that \
                 revision. Check the spelling and the revision."
            ),
            format!(
                "찾을 수 없습니다 (HTTP 404): 저장소 `{id}`가 없거나, 리비전 `{revision}`이 없거나, 그 리비전에 \
                 config.json이 없습니다. 철자와 리비전을 확인하세요."
            ),
        ),
        429 => (
            ErrorKind::RateLimited,
            "The Hub is rate limiting requests (HTTP 429). Wait a minute and load again, or paste the config.json \
             below."
                .to_string(),
            "Hub가 요청 수를 제한하고 있습니다 (HTTP 429). 1분쯤 기다린 뒤 다시 불러오거나, 아래에 config.json을 \
             붙여넣으세요."
                .to_string(),
        ),
        s => (
            ErrorKind::Http,
            format!("The Hub answered HTTP {s} for {id} @ {revision}. Try again later, or paste the config.json below."),
            format!(
                "Hub가 {id} @ {revision} 요청에 HTTP {s}로 응답했습니다. 나중에 다시 시도하거나, 아래에 config.json을 \
                 붙여넣으세요."
            ),
        ),
    };
    Some(AppError::from_msg(kind, Msg::new(en, ko)))
}

/// The error for a request that got no HTTP answer at all.
pub fn network_error(endpoint: &str) -> AppError {
    AppError::from_msg(
        ErrorKind::Offline,
        Msg::new(
            format!(
                "Could not reach {endpoint}: you may be offline, or the endpoint is unreachable or blocks \
                 cross-origin requests. Check the connection or the endpoint in the settings, or paste the \
                 config.json below."
            ),
            format!(
                "{endpoint}에 연결할 수 없습니다: 오프라인이거나, 엔드포인트에 접속할 수 없거나, 교차 출처(CORS) \
                 요청을 막고 있습니다. 연결이나 설정의 엔드포인트를 확인하거나, 아래에 config.json을 붙여넣으세요."
            ),
        ),
    )
}

/// A Hugging Face access token (for gated and private repositories). Held in memory only (the settings panel may
/// also keep it in session storage when the user opts in); never put in a URL, never logged: its `Debug` form is
/// redacted and it has no `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct HfToken(String);

impl std::fmt::Debug for HfToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HfToken(<redacted>)")
    }
}

impl HfToken {
    /// A token from what the user typed: trimmed; `Ok(None)` when empty. Errors (a message without the token)
    /// when it has spaces or characters an HTTP header cannot carry (printable ASCII only), or is over 512
    /// characters.
    pub fn parse(input: &str) -> Result<Option<HfToken>, String> {
        let t = input.trim();
        if t.is_empty() {
            return Ok(None);
        }
        if t.len() > 512 || !t.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(
                "A Hugging Face token is one word of letters, digits and punctuation (e.g. hf_…)."
                    .into(),
            );
        }
        Ok(Some(HfToken(t.to_string())))
    }
    /// The token text (for storage in session storage only).
    pub fn secret(&self) -> &str {
        &self.0
    }
    /// The `Authorization` header value: `Bearer <token>`.
    pub fn authorization(&self) -> String {
        format!("Bearer {}", self.0)
    }
}

/// GET the `config.json` of `id` at `revision` from `endpoint`; the body text on success. No token.
///
/// Errors: as [`fetch_config_with_token`].
pub async fn fetch_config(endpoint: &str, id: &str, revision: &str) -> Result<String, AppError> {
    fetch_config_with_token(endpoint, id, revision, None).await
}

/// GET the `config.json` of `id` at `revision` from `endpoint`, sending `token` (if any) as
/// `Authorization: Bearer …` to that endpoint only (browsers drop the header on a cross-origin redirect); the
/// body text on success.
///
/// Errors: [`status_error`] for HTTP failures, [`network_error`] when no answer came, and an
/// [`ErrorKind::Offline`] error when the body cannot be read.
pub async fn fetch_config_with_token(
    endpoint: &str,
    id: &str,
    revision: &str,
    token: Option<&HfToken>,
) -> Result<String, AppError> {
    let url = config_url(endpoint, id, revision);
    let mut req = gloo_net::http::Request::get(&url);
    if let Some(t) = token {
        req = req.header("Authorization", &t.authorization());
    }
    let resp = req.send().await.map_err(|_| network_error(endpoint))?;
    if let Some(e) = status_error(resp.status(), id, revision) {
        return Err(e);
    }
    resp.text().await.map_err(|_| {
        AppError::from_msg(
            ErrorKind::Offline,
            Msg::new(
                format!("The connection dropped while reading {url}. Load again."),
                format!("{url}을(를) 읽는 중에 연결이 끊겼습니다. 다시 불러오세요."),
            ),
        )
    })
}
