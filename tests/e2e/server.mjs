// Two local HTTP servers for the end-to-end test, on 127.0.0.1 only, with no dependency beyond Node itself:
//
//  * the app: serves a built dist/ (index.html for any path that is not a file, as a static host of a
//    single-page app would);
//  * a mock Hugging Face Hub, on another port (so another origin: the app's fetch is cross-origin, as it is
//    against the real Hub, which answers with `Access-Control-Allow-Origin: *`). It serves
//    `/{owner}/{name}/resolve/{revision}/config.json` from tests/fixtures/configs/{owner}__{name}.json
//    (or {owner}__{name}.mlc.json), 404 for any other repo, and a few special repos for the error paths:
//      errors/gated        401 (a gated or private repo, as the Hub answers without a token)
//      errors/forbidden    403
//      errors/rate-limited 429 (with Retry-After)
//      errors/not-json     200 with an HTML page
//      errors/no-fields    200 with a JSON object that lacks the required fields
//      errors/hang-up      the connection is closed with no response (a network failure)
//    and the revision `no-such-revision` gives 404 for any repo, as the Hub does for an unknown revision.
//  * the model-info API `/api/models/{owner}/{name}/revision/{revision}`: `siblings` lists config.json and the
//    repo's checkpoint files (`errors/api-down` answers 500 there, so the app falls back to asking for the files);
//  * checkpoints: `model.safetensors.index.json` and `*.safetensors` of the repos in tests/fixtures/checkpoints/
//    ({owner}__{name}/index.json and {file}.header.json, built from the fixture configs by its make.py). As on
//    huggingface.co, the `resolve` URL of a weights file answers 302 to a CDN path (`/cdn/...`, which carries
//    `Access-Control-Allow-Origin: *` too); the file there is header-only (8-byte length + JSON header, the
//    tensor bytes read as zeros) and honours `Range: bytes=a-b` (206 with Content-Range, the file's full size
//    from its data offsets; 416 past the end). A GET without Range is refused (400): the app must never
//    download weights. At the revision `no-range` the file is served ignoring Range (200, the first MiB of
//    its body), as a server without Range support would.
//
// Every request the hub sees is recorded in `hub.requests` ({method, path, status}).
//
// Standalone use, to try the app by hand: node tests/e2e/server.mjs [DIST_DIR]   (prints both URLs)
import http from 'node:http';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(here, '..', '..');
export const FIXTURES = path.join(ROOT, 'tests', 'fixtures', 'configs');
export const CHECKPOINTS = path.join(ROOT, 'tests', 'fixtures', 'checkpoints');

/** The header-only bytes of a fixture safetensors file and its full size, or null. */
async function safetensorsFor(repo, file) {
  if (!/^[\w.-]+\.safetensors$/.test(file)) return null;
  const json = await readFileOrNull(path.join(CHECKPOINTS, repo, `${file}.header.json`));
  if (json === null) return null;
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(json.length));
  const header = Buffer.concat([prefix, json]);
  let end = 0;
  for (const [k, v] of Object.entries(JSON.parse(json))) if (k !== '__metadata__') end = Math.max(end, v.data_offsets[1]);
  return { header, size: header.length + end };
}

/** Bytes a..=b of a header-only file (zeros past the header). */
function slice(file, a, b) {
  const out = Buffer.alloc(b - a + 1);
  if (a < file.header.length) file.header.copy(out, 0, a, Math.min(file.header.length, b + 1));
  return out;
}

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}`));
  });
}

async function readFileOrNull(file) {
  try {
    return await fs.readFile(file);
  } catch {
    return null;
  }
}

/** Static server of a built dist/ folder. */
function appServer(distDir) {
  const root = path.resolve(distDir);
  return http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url, 'http://x');
      let rel = decodeURIComponent(url.pathname);
      if (rel.endsWith('/')) rel += 'index.html';
      const file = path.join(root, path.normalize(rel));
      if (!file.startsWith(root + path.sep)) {
        res.writeHead(403).end();
        return;
      }
      let body = await readFileOrNull(file);
      let type = MIME[path.extname(file)] || 'application/octet-stream';
      if (body === null && !path.extname(rel)) {
        // a client-side route: the single page
        body = await readFileOrNull(path.join(root, 'index.html'));
        type = MIME['.html'];
      }
      if (body === null) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
        return;
      }
      res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (e) {
      res.writeHead(500).end(String(e));
    }
  });
}

/** Maps a Hub repo id to its fixture file, or null. */
async function fixtureFor(owner, name) {
  for (const suffix of ['.json', '.mlc.json']) {
    const file = path.join(FIXTURES, `${owner}__${name}${suffix}`);
    const body = await readFileOrNull(file);
    if (body !== null) return body;
  }
  return null;
}

/** The mock Hub: the `resolve` URL layout of huggingface.co, for config.json only. */
function hubServer(requests) {
  const cors = {
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
    'Access-Control-Allow-Headers': '*',
    'Access-Control-Expose-Headers': 'X-Error-Code, X-Error-Message, Retry-After',
  };
  return http.createServer(async (req, res) => {
    const send = (status, headers, body) => {
      requests.push({ method: req.method, path: req.url, status });
      res.writeHead(status, { ...cors, ...headers });
      res.end(body);
    };
    const jsonError = (status, code, message, extra = {}) =>
      send(status, { 'Content-Type': 'application/json', 'X-Error-Code': code, 'X-Error-Message': message, ...extra },
        JSON.stringify({ error: message }));

    if (req.method === 'OPTIONS') return send(204, {}, undefined);
    if (req.method !== 'GET' && req.method !== 'HEAD') return jsonError(405, 'MethodNotAllowed', 'Method not allowed');

    const url = new URL(req.url, 'http://x');
    const cdn = /^\/cdn\/([^/]+)\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (cdn) {
      const [owner, name, rev, file] = cdn.slice(1).map(decodeURIComponent);
      const st = await safetensorsFor(`${owner}__${name}`, file);
      if (st === null) return send(404, { 'Content-Type': 'text/plain' }, 'not found');
      const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range || '');
      if (rev === 'no-range' || !range) {
        if (rev === 'no-range') return send(200, { 'Content-Type': 'application/octet-stream' }, slice(st, 0, Math.min(st.size, 1 << 20) - 1));
        return send(400, { 'Content-Type': 'text/plain' }, 'mock hub: a weights file is only served in Range requests');
      }
      const a = Number(range[1]);
      const b = Math.min(range[2] === '' ? st.size - 1 : Number(range[2]), st.size - 1);
      if (a > b) return send(416, { 'Content-Range': `bytes */${st.size}` }, undefined);
      return send(206, { 'Content-Type': 'application/octet-stream', 'Content-Range': `bytes ${a}-${b}/${st.size}`,
        'Accept-Ranges': 'bytes' }, req.method === 'HEAD' ? undefined : slice(st, a, b));
    }
    // The model-info API (huggingface_hub `model_info`): the repo's file list (`siblings`), which tells the app
    // whether to read a safetensors index, one file or nothing.
    const api = /^\/api\/models\/([^/]+)\/([^/]+)\/revision\/([^/]+)$/.exec(url.pathname);
    if (api) {
      const [owner, name, revision] = api.slice(1).map(decodeURIComponent);
      if (revision === 'no-such-revision') return jsonError(404, 'RevisionNotFound', `Invalid rev id: ${revision}`);
      if (owner === 'errors' && name === 'api-down') return jsonError(500, 'InternalError', 'Internal Error');
      if ((await fixtureFor(owner, name)) === null) return jsonError(404, 'RepoNotFound', 'Repository not found');
      const files = ['config.json'];
      const dir = path.join(CHECKPOINTS, `${owner}__${name}`);
      for (const f of (await fs.readdir(dir).catch(() => [])).sort()) {
        if (f === 'index.json') files.push('model.safetensors.index.json');
        else if (f.endsWith('.header.json')) files.push(f.slice(0, -'.header.json'.length));
      }
      return send(200, { 'Content-Type': 'application/json' },
        JSON.stringify({ id: `${owner}/${name}`, sha: '0'.repeat(40), siblings: files.map((rfilename) => ({ rfilename })) }));
    }
    // /{owner}/{name}/resolve/{revision}/config.json ; the revision may be percent-encoded (refs%2Fpr%2F1)
    const m = /^\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!m) return jsonError(404, 'EntryNotFound', 'Not found');
    const [owner, name, revision, file] = m.slice(1).map(decodeURIComponent);

    if (owner === 'errors') {
      switch (name) {
        case 'gated':
          return jsonError(401, 'GatedRepo',
            'Access to model errors/gated is restricted. You must have access to it and be authenticated to access it. Please log in.');
        case 'forbidden':
          return jsonError(403, 'GatedRepo', 'Access to model errors/forbidden is restricted and you are not in the authorized list.');
        case 'rate-limited':
          return send(429, { 'Content-Type': 'text/plain', 'Retry-After': '60' }, 'Too Many Requests');
        case 'not-json':
          return send(200, { 'Content-Type': 'text/html; charset=utf-8' },
            '<!doctype html><html><body><h1>Hugging Face mirror</h1><p>this is not a config.json</p></body></html>');
        case 'no-fields':
          return send(200, { 'Content-Type': 'application/json' }, JSON.stringify({ architectures: ['Mystery'], model_type: 'mystery' }));
        case 'hang-up':
          requests.push({ method: req.method, path: req.url, status: 0 });
          req.socket.destroy();
          return undefined;
        default:
          break;
      }
    }
    if (revision === 'no-such-revision') {
      return jsonError(404, 'RevisionNotFound', `Invalid rev id: ${revision}`);
    }
    if (file === 'model.safetensors.index.json') {
      const idx = await readFileOrNull(path.join(CHECKPOINTS, `${owner}__${name}`, 'index.json'));
      if (idx === null) return jsonError(404, 'EntryNotFound', `${file} does not exist on "${revision}"`);
      return send(200, { 'Content-Type': 'application/json' }, req.method === 'HEAD' ? undefined : idx);
    }
    if (file.endsWith('.safetensors')) {
      const st = await safetensorsFor(`${owner}__${name}`, file);
      if (st === null) return jsonError(404, 'EntryNotFound', `${file} does not exist on "${revision}"`);
      // LFS/Xet files: the Hub redirects to its CDN.
      return send(302, { Location: `/cdn/${owner}/${name}/${encodeURIComponent(revision)}/${file}` }, undefined);
    }
    if (file !== 'config.json') {
      return jsonError(404, 'EntryNotFound', `${file} does not exist on "${revision}"`);
    }
    const body = await fixtureFor(owner, name);
    if (body === null) {
      return jsonError(404, 'RepoNotFound', 'Repository not found');
    }
    return send(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }, req.method === 'HEAD' ? undefined : body);
  });
}

/**
 * Starts the app server on `distDir` and the mock Hub, each on a free port of 127.0.0.1.
 * @returns {Promise<{appUrl: string, hubUrl: string, hub: {requests: object[]}, close: () => Promise<void>}>}
 */
export async function startServers(distDir) {
  const requests = [];
  const app = appServer(distDir);
  const hub = hubServer(requests);
  const appUrl = await listen(app);
  const hubUrl = await listen(hub);
  const close = async () => {
    for (const s of [app, hub]) {
      s.closeAllConnections?.();
      await new Promise((r) => s.close(() => r()));
    }
  };
  return { appUrl, hubUrl, hub: { requests }, close };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dist = process.argv[2] || path.join(ROOT, 'dist');
  const { appUrl, hubUrl } = await startServers(dist);
  console.log(`app (from ${dist}): ${appUrl}\nmock hub: ${hubUrl}   (set it as the hub endpoint in the app's settings)`);
}
