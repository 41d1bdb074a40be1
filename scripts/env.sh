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

# The release (browser) build's size settings (issue 12 §7), for `trunk build --release` only: std rebuilt from
# rust-src (rustup component, scripts/setup.sh) with `optimize_for_size`, and `-C panic=immediate-abort`, which
# drops every panic message and the formatting behind it (a panic in the page was already fatal: it traps at once
# instead of printing first). RUSTC_BOOTSTRAP=1 lets stable rustc 1.95 take these unstable flags. Measured on the
# release dist (wasm-opt -Os, gzip -9 of wasm + js + sw.js, as the size step counts): 350.6 -> 320.4 KiB. RUSTFLAGS replaces .cargo/config.toml's list, so the
# list is repeated here (keep the two the same).
release_build_env() {
  export RUSTC_BOOTSTRAP=1
  export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
  export CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size
  export RUSTFLAGS="--cfg erase_components -C llvm-args=-inline-threshold=0 -Zunstable-options -Cpanic=immediate-abort"
}
