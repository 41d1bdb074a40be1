#!/usr/bin/env bash
# Sets up whatever is missing (scripts/setup.sh), then serves the app with `trunk serve` on http://127.0.0.1:8080
# (debug build, rebuilt on every change). Extra arguments go to trunk, e.g. `bash scripts/serve.sh --release`.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
bash "$FTMEM_ROOT/scripts/setup.sh"
cd "$FTMEM_ROOT"
echo "[serve] http://127.0.0.1:8080  (Ctrl-C stops)"
exec trunk serve "$@"
