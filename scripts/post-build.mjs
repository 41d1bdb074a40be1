// Trunk post_build hook (Trunk.toml [[hooks]]): runs after Trunk has written the hashed files and index.html into
// its staging folder ($TRUNK_STAGING_DIR), before they are moved to dist/. It
//
//  1. moves Trunk's INLINE start-up module (`<script type="module">import init ...</script>`) into a file of its own,
//     `boot-<hash>.js`, loaded with `<script type="module" src integrity>`: index.html's Content-Security-Policy
//     then allows scripts from the app's own files only (`script-src 'self' 'wasm-unsafe-eval'`), with no inline
//     script, hash or nonce. In a release build, the boot file also registers the service worker once the app has
//     started; in a debug build it unregisters any (so `trunk serve` never serves a stale cached shell).
//     `trunk serve` injects its autoreload script inline, with placeholders it fills in when serving index.html:
//     that one stays inline, and only then is 'unsafe-inline' added to script-src (development only).
//  1b. (release) adds the on-demand parts of the code splitting (src/lazy.rs, issue 12 §7; scripts/split/wasm-bindgen
//     wrote them to $FTMEM_SPLIT_DIR): each split_*.wasm (one part) and chunk_*.wasm (code that more than one part
//     uses, which wasm-split-cli moves out of them), optimised with wasm-opt at index.html's data-wasm-opt
//     level and parameters (Trunk optimises only the main module) and named by its content hash, and the loader
//     __wasm_split.js, pointed at the hashed main module and at those names.
//  2. writes `sw.js`, the service worker (issue 5 §1), with the list of every file of the build (the app shell) and a
//     cache name derived from their contents: a new release has a new name, and the new worker deletes the old
//     shell caches when it activates. config.json responses go to a separate cache that outlives releases.
//
// Plain Node (no package): `node scripts/post-build.mjs` with TRUNK_STAGING_DIR, TRUNK_PUBLIC_URL, TRUNK_PROFILE.
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const STAGING = process.env.TRUNK_STAGING_DIR;
const BASE = process.env.TRUNK_PUBLIC_URL || '/';
const RELEASE = process.env.TRUNK_PROFILE === 'release';
if (!STAGING) {
  console.error('post-build.mjs: TRUNK_STAGING_DIR is not set (run me as a Trunk post_build hook)');
  process.exit(1);
}
const base = BASE.endsWith('/') ? BASE : `${BASE}/`;
const sha = (alg, data) => crypto.createHash(alg).update(data).digest();
const indexPath = path.join(STAGING, 'index.html');
let html = await fs.readFile(indexPath, 'utf8');

// ---------------------------------------------------------------------------------------------- 1. boot file

const SW_REGISTER = `
if ('serviceWorker' in navigator) {
  // After the app has started, so the worker's precache does not compete with the first load.
  navigator.serviceWorker.register('${base}sw.js', { scope: '${base}' })
    .catch((e) => console.warn('ftmem: service worker not registered:', e));
}
`;
const SW_UNREGISTER = `
if ('serviceWorker' in navigator) {
  // Debug build (trunk serve): no offline cache, and none left over from a release build on this origin.
  navigator.serviceWorker.getRegistrations().then((rs) => rs.forEach((r) => r.unregister())).catch(() => {});
}
`;

let inlineLeft = false;
let bootName = null;
const scriptRe = /<script\b([^>]*)>([\s\S]*?)<\/script>/gi;
const replacements = [];
for (const m of html.matchAll(scriptRe)) {
  const [whole, attrs, body] = m;
  if (/\bsrc\s*=/i.test(attrs)) continue; // already a file
  if (body.includes('__TRUNK_ADDRESS__') || body.includes('.well-known/trunk/ws')) {
    inlineLeft = true; // trunk serve's autoreload: filled in at serve time, so it has to stay inline
    continue;
  }
  if (!/\btype\s*=\s*["']?module/i.test(attrs) || !/\bimport\s+init\b/.test(body)) {
    throw new Error(`post-build.mjs: unexpected inline script in index.html (CSP forbids it): ${whole.slice(0, 120)}`);
  }
  if (bootName) throw new Error('post-build.mjs: more than one Trunk start-up script');
  const code = `// ftmem start-up (Trunk's loader, moved out of index.html by scripts/post-build.mjs)\n${body.trim()}\n${
    RELEASE ? SW_REGISTER : SW_UNREGISTER}`;
  bootName = `boot-${sha('sha256', code).toString('hex').slice(0, 16)}.js`;
  await fs.writeFile(path.join(STAGING, bootName), code);
  const integrity = `sha384-${sha('sha384', code).toString('base64')}`;
  replacements.push([whole,
    `<script type="module" src="${base}${bootName}" integrity="${integrity}" crossorigin="anonymous"></script>`]);
}
if (!bootName) throw new Error("post-build.mjs: Trunk's start-up script was not found in index.html");
for (const [from, to] of replacements) html = html.replace(from, to);

if (inlineLeft) {
  html = html.replace(/<meta\b[^>]*http-equiv=["']?Content-Security-Policy[^>]*>/i,
    (meta) => meta.replace('script-src ', "script-src 'unsafe-inline' "));
  console.log("post-build.mjs: trunk serve's autoreload script stays inline: script-src gets 'unsafe-inline' (dev only)");
}
if (!/http-equiv=["']?Content-Security-Policy/i.test(html)) throw new Error('post-build.mjs: index.html has no CSP');
await fs.writeFile(indexPath, html);

// ---------------------------------------------------------------------------------------------- 1b. split parts

const mainJs = (await fs.readdir(STAGING)).filter((f) => /^ftmem-app-[0-9a-f]+\.js$/.test(f));
if (mainJs.length !== 1) throw new Error(`post-build.mjs: expected one ftmem-app-<hash>.js, found ${mainJs.length}`);
const mainText = await fs.readFile(path.join(STAGING, mainJs[0]), 'utf8');
if (/["']\.\/__wasm_split\.js["']/.test(mainText)) {
  const splitDir = process.env.FTMEM_SPLIT_DIR;
  if (!splitDir) throw new Error('post-build.mjs: the main module imports ./__wasm_split.js but FTMEM_SPLIT_DIR is not set');
  let loader = await fs.readFile(path.join(splitDir, '__wasm_split.js'), 'utf8');
  if (!loader.includes('"./main.js"')) throw new Error('post-build.mjs: __wasm_split.js does not import "./main.js"');
  loader = loader.replaceAll('"./main.js"', JSON.stringify(`./${mainJs[0]}`));
  const source = await fs.readFile(fileURLToPath(new URL('../index.html', import.meta.url)), 'utf8');
  const rustLink = source.match(/<link\b[^>]*data-trunk[^>]*rel="rust"[^>]*>/)?.[0] ?? '';
  const level = rustLink.match(/data-wasm-opt="([^"]+)"/)?.[1];
  const params = (rustLink.match(/data-wasm-opt-params="([^"]*)"/)?.[1] ?? '').split(/\s+/).filter(Boolean);
  const parts = (await fs.readdir(splitDir)).filter((f) => /^(split|chunk)_.*\.wasm$/.test(f)).sort();
  for (const part of parts) {
    const ref = JSON.stringify(`./${part}`);
    if (!loader.includes(ref)) continue; // a part the loader never fetches (empty)
    const tmp = path.join(STAGING, `${part}.tmp`);
    if (level) {
      execFileSync('wasm-opt', [`-O${level}`, ...params, path.join(splitDir, part), '-o', tmp], { stdio: 'inherit' });
    } else {
      await fs.copyFile(path.join(splitDir, part), tmp);
    }
    const bytes = await fs.readFile(tmp);
    const named = `${part.replace(/\.wasm$/, '')}-${sha('sha256', bytes).toString('hex').slice(0, 16)}.wasm`;
    await fs.rename(tmp, path.join(STAGING, named));
    loader = loader.replaceAll(ref, JSON.stringify(`./${named}`));
    console.log(`post-build.mjs: part ${named} (${bytes.length} bytes)`);
  }
  await fs.writeFile(path.join(STAGING, '__wasm_split.js'), loader);
}

// ---------------------------------------------------------------------------------------------- 2. sw.js

async function listFiles(dir, rel = '') {
  const out = [];
  for (const e of await fs.readdir(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(path.join(dir, e.name), r)));
    else if (e.isFile() && r !== 'sw.js') out.push(r);
  }
  return out.sort();
}

const files = await listFiles(STAGING);
const digest = crypto.createHash('sha256');
for (const f of files) digest.update(f).update('\0').update(await fs.readFile(path.join(STAGING, f))).update('\0');
const version = digest.digest('hex').slice(0, 16);
// index.html is cached under the base URL, which is what a navigation to the app asks for.
const urls = files.map((f) => (f === 'index.html' ? base : base + f.split('/').map(encodeURIComponent).join('/')));

const sw = `// ftmem service worker: generated by scripts/post-build.mjs at build time. Do not edit.
// App shell: the ${urls.length} files of this build, cached on install under a name derived from their contents;
// a new release brings a new name, and the old shell caches are deleted when the new worker activates.
// config.json from any Hub endpoint (/{owner}/{name}/resolve/{revision}/config.json): network first, the cached
// copy when the network fails; kept across releases. A request that carries a token (Authorization) is answered
// from the network and never stored: a private repo's file is not written to disk.
'use strict';
const SHELL = 'ftmem-shell-${version}';
const CONFIGS = 'ftmem-configs-v1';
const BASE = ${JSON.stringify(base)};
const FILES = ${JSON.stringify(urls, null, 1)};
const CONFIG_PATH = /\\/resolve\\/[^/]+\\/config\\.json$/;

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(SHELL)
    .then((cache) => cache.addAll(FILES.map((u) => new Request(u, { cache: 'reload' }))))
    .then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(caches.keys()
    .then((keys) => Promise.all(keys.filter((k) => k.startsWith('ftmem-shell-') && k !== SHELL).map((k) => caches.delete(k))))
    .then(() => self.clients.claim()));
});

async function configNetworkFirst(request) {
  try {
    const response = await fetch(request);
    if (response.ok && !request.headers.has('Authorization')) {
      const cache = await caches.open(CONFIGS);
      await cache.put(request.url, response.clone());
    }
    return response;
  } catch (err) {
    const cached = await caches.match(request.url, { cacheName: CONFIGS, ignoreVary: true });
    if (cached) return cached;
    throw err;
  }
}

async function shell(request) {
  const cached = await caches.match(request, { cacheName: SHELL });
  return cached || fetch(request);
}

async function page(request) {
  try {
    return await fetch(request);
  } catch (err) {
    const cached = await caches.match(BASE, { cacheName: SHELL });
    if (cached) return cached;
    throw err;
  }
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (CONFIG_PATH.test(url.pathname)) {
    event.respondWith(configNetworkFirst(request));
  } else if (url.origin === self.location.origin) {
    // the page: network first, so an online reload always gets the current release; the files: from the cache
    event.respondWith(request.mode === 'navigate' ? page(request) : shell(request));
  }
});
`;
await fs.writeFile(path.join(STAGING, 'sw.js'), sw);
console.log(`post-build.mjs: ${bootName}, sw.js (cache ftmem-shell-${version}, ${urls.length} files)`);
