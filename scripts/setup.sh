#!/usr/bin/env bash
# Installs whatever the build and the tests need and is missing, on a fresh Debian machine of this kind.
# Idempotent: each step is skipped when its tool is already there at the right version.
#   wasm target · Trunk 0.21.14 · wasm-bindgen-cli (= Cargo.lock) · wasm-opt (npm binaryen 132, in .tools/)
#   · wasm-split-cli 0.2.4 (in .tools/cargo)
#   · Chromium + ChromeDriver (Debian) · the end-to-end test's npm packages (tests/e2e, npm ci)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$FTMEM_ROOT"

say() { printf '[setup] %s\n' "$*"; }
need() { command -v "$1" >/dev/null 2>&1 || { say "error: '$1' not found: $2"; exit 1; }; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

need cargo "install Rust with rustup first"
need rustup "install Rust with rustup first"

# 1. The wasm target.
if rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "wasm32-unknown-unknown target: present"
else
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 2. Trunk (~10 min to build on 2 cores).
if [ "$(trunk --version 2>/dev/null || true)" = "trunk $TRUNK_VERSION" ]; then
  say "trunk $TRUNK_VERSION: present"
else
  say "installing trunk $TRUNK_VERSION (cargo install --locked; about 10 minutes on 2 cores)"
  cargo install --locked "trunk@$TRUNK_VERSION"
fi

# 3. wasm-bindgen-cli at exactly the Cargo.lock version. Not --locked: its locked set needs a crate version the
#    registry mirror lacks (TOOLCHAIN.md).
WB_VERSION="$(wasm_bindgen_lock_version)"
[ -n "$WB_VERSION" ] || { say "error: no wasm-bindgen entry in Cargo.lock"; exit 1; }
if [ "$(wasm-bindgen --version 2>/dev/null || true)" = "wasm-bindgen $WB_VERSION" ] \
   && [ "$(wasm-bindgen-test-runner --version 2>/dev/null || true)" = "wasm-bindgen-test-runner $WB_VERSION" ]; then
  say "wasm-bindgen-cli $WB_VERSION: present"
else
  say "installing wasm-bindgen-cli $WB_VERSION (about 4 minutes)"
  cargo install --force "wasm-bindgen-cli@$WB_VERSION"
fi

# 4. wasm-opt from npm's binaryen, into the project-local, git-ignored .tools/ (on PATH through env.sh).
if "$TOOLS_DIR/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*} "; then
  say "wasm-opt ${BINARYEN_VERSION%%.*} (npm binaryen): present"
else
  need npm "install Node.js and npm"
  say "installing wasm-opt: npm binaryen@$BINARYEN_VERSION into .tools/"
  mkdir -p "$TOOLS_DIR"
  [ -f "$TOOLS_DIR/package.json" ] || printf '{ "private": true }\n' > "$TOOLS_DIR/package.json"
  npm install --prefix "$TOOLS_DIR" --no-audit --no-fund --no-save --no-package-lock "binaryen@$BINARYEN_VERSION"
fi
"$TOOLS_DIR/node_modules/.bin/wasm-opt" --version | grep -q "version ${BINARYEN_VERSION%%.*} " \
  || { say "error: .tools wasm-opt is not version ${BINARYEN_VERSION%%.*}"; exit 1; }

# 4b. wasm-split-cli (crate wasm_split_cli_support, with its binary), into the git-ignored .tools/cargo: the release
#     build's code splitting (scripts/split/wasm-bindgen, issue 12 §7). About a minute.
if grep -q "^\"wasm_split_cli_support $WASM_SPLIT_VERSION " "$TOOLS_DIR/cargo/.crates.toml" 2>/dev/null \
   && [ -x "$TOOLS_DIR/cargo/bin/wasm-split-cli" ]; then
  say "wasm-split-cli $WASM_SPLIT_VERSION: present"
else
  say "installing wasm-split-cli $WASM_SPLIT_VERSION into .tools/cargo (cargo install --locked; about a minute)"
  cargo install --locked --force --root "$TOOLS_DIR/cargo" "wasm_split_cli_support@$WASM_SPLIT_VERSION" --features build-binary
fi

# 5. Chromium and ChromeDriver from Debian (same version; used headless by both browser test suites).
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then
  say "chromium + chromedriver: present"
else
  say "installing chromium and chromium-driver from Debian"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium chromium-driver
fi

# 5b. A Korean font, so that the end-to-end screenshots of the Korean view show Hangul, not empty boxes.
if [ -d /usr/share/fonts/truetype/nanum ]; then
  say "fonts-nanum: present"
else
  say "installing fonts-nanum from Debian (Korean glyphs for the screenshots)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends fonts-nanum
fi

# 6. The end-to-end test's npm packages (playwright-core, pinned by tests/e2e/package-lock.json; it uses
#    /usr/bin/chromium and downloads no browser).
need node "install Node.js (20 or later)"
E2E="$FTMEM_ROOT/tests/e2e"
want="$(node -p "require('$E2E/package-lock.json').packages['node_modules/playwright-core'].version")"
have="$(node -p "try { require('$E2E/node_modules/playwright-core/package.json').version } catch { '' }")"
if [ "$want" = "$have" ]; then
  say "tests/e2e npm packages (playwright-core $have): present"
else
  say "installing tests/e2e npm packages (npm ci)"
  (cd "$E2E" && npm ci --no-audit --no-fund)
fi

# 7. The crates in Cargo.lock, downloaded now: Trunk.toml's offline = true makes trunk run cargo with --offline.
say "fetching the crates in Cargo.lock (cargo fetch)"
cargo fetch --quiet
# The release build rebuilds std (env.sh release_build_env): it needs rust-src and std's own crates, fetched here
# because Trunk builds offline.
if rustup component list --installed | grep -q '^rust-src'; then
  say "rust-src: present"
else
  say "adding the rust-src component (the release build rebuilds std for size)"
  rustup component add rust-src
fi
say "fetching std's crates for the release build"
( release_build_env; cargo fetch --quiet --target wasm32-unknown-unknown )

say "done: $(trunk --version), $(wasm-bindgen --version), $(wasm-opt --version | head -1), $(/usr/bin/chromium --version 2>/dev/null | head -1), node $(node --version)"
