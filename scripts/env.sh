# Sourced by scripts/*.sh: the paths and versions that setup.sh installs and the other scripts use.
# shellcheck shell=bash
FTMEM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export FTMEM_ROOT

# Pinned tool versions (TOOLCHAIN.md: trunk 0.22 needs rustc >= 1.96; wasm-opt must be binaryen 132, not Debian's 108).
TRUNK_VERSION="0.21.14"
BINARYEN_VERSION="132.0.0"
TOOLS_DIR="$FTMEM_ROOT/.tools"

# wasm-bindgen-cli must match the wasm-bindgen crate that Cargo.lock resolved, exactly.
wasm_bindgen_lock_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$FTMEM_ROOT/Cargo.lock"
}

# Project-local wasm-opt first (so Debian's binaryen, if present, is never used), then cargo's bin dir.
export PATH="$TOOLS_DIR/node_modules/.bin:${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
