# Sourced by scripts/*.sh: the paths and versions that setup.sh installs and the other scripts use.
# shellcheck shell=bash
FTMEM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export FTMEM_ROOT

# Pinned tool versions (TOOLCHAIN.md: trunk 0.22 needs rustc >= 1.96; wasm-opt must be binaryen 132, not Debian's 108).
TRUNK_VERSION="0.21.14"
BINARYEN_VERSION="132.0.0"
TOOLS_DIR="$FTMEM_ROOT/.tools"
# wasm-split-cli (crate wasm_split_cli_support, issue 12 §7: the release build's code splitting), in .tools/cargo.
WASM_SPLIT_VERSION="0.2.4"

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
  # Code splitting (src/lazy.rs, issue 12 §7): `--cfg ftmem_split` makes the on-demand panels wasm_split points, and
  # `--emit-relocs` keeps the relocations that wasm-split-cli needs to cut the module. Trunk 0.21 has no split step
  # (trunk-rs/trunk#1022), so scripts/split/wasm-bindgen, first on PATH here, splits cargo's wasm and then runs the
  # real wasm-bindgen (FTMEM_REAL_WASM_BINDGEN) on the main part; scripts/post-build.mjs adds the parts to dist/.
  export RUSTFLAGS="--cfg erase_components -C llvm-args=-inline-threshold=0 -Zunstable-options -Cpanic=immediate-abort --cfg ftmem_split -Clink-arg=--emit-relocs"
  if [ -z "${FTMEM_REAL_WASM_BINDGEN:-}" ]; then
    FTMEM_REAL_WASM_BINDGEN="$(command -v wasm-bindgen || true)"
    export FTMEM_REAL_WASM_BINDGEN
  fi
  export FTMEM_WASM_SPLIT="$TOOLS_DIR/cargo/bin/wasm-split-cli"
  export FTMEM_SPLIT_DIR="$FTMEM_ROOT/target/ftmem-split"
  export PATH="$FTMEM_ROOT/scripts/split:$PATH"
}
