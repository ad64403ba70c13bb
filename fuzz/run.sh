#!/usr/bin/env bash
# Runs each fuzz target for SECONDS (default 600), seeded from the conformance corpus and
# our cases. Needs cargo-fuzz (`cargo install cargo-fuzz`). This machine has only the stable
# toolchain, and libFuzzer's sanitizer flags are nightly-only: RUSTC_BOOTSTRAP=1 lets stable
# accept them.
#   fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_PER_TARGET="${1:-600}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(parse_validate execute)
python3 - <<'PY'
import json, glob, hashlib, os
os.makedirs("seeds", exist_ok=True)
for path in sorted(glob.glob("../tests/conformance/cases/*.json") + glob.glob("../tests/cases/*.json")):
    q = json.load(open(path)).get("query")
    if q:
        name = hashlib.sha1(q.encode()).hexdigest()[:16]
        open(os.path.join("seeds", name), "w").write(q)
PY
for t in "${TARGETS[@]}"; do
  mkdir -p "corpus/$t"
  cp -n seeds/* "corpus/$t/" 2>/dev/null || true
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$t" "corpus/$t" -- -max_total_time="$SECONDS_PER_TARGET" -max_len=4096 -timeout=10 2>&1 | tail -n 5
done
