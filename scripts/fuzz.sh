#!/usr/bin/env bash
# Runs the cargo-fuzz targets in fuzz/ for a given time each.
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]     (default: 60 s, every target)
#
# Targets: token, json_body, basic_auth, oauth_form. Findings land in
# fuzz/artifacts/<target>/; the growing corpus in fuzz/corpus/<target>/ (both ignored by
# git), started from the committed seeds in fuzz/seeds/<target>/.
#
# cargo-fuzz needs a nightly compiler (for -Zsanitizer and libFuzzer's coverage flags).
# The script uses the `nightly` rustup toolchain when there is one; otherwise it runs
# the stable compiler with RUSTC_BOOTSTRAP=1, which unlocks the same flags. The
# sanitizer defaults to `none`: the workspace forbids `unsafe`, so AddressSanitizer
# would mostly slow the runs down; set FUZZ_SANITIZER=address to use it anyway.
# Not part of scripts/test.sh (too slow); tests/api/random_requests.rs is the CI check.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  targets=(token json_body basic_auth oauth_form)
fi

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "fuzz.sh: installing cargo-fuzz" >&2
  cargo install cargo-fuzz --locked
fi

toolchain=()
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  toolchain=(+nightly)
else
  echo "fuzz.sh: no nightly toolchain; using stable with RUSTC_BOOTSTRAP=1" >&2
  export RUSTC_BOOTSTRAP=1
fi

sanitizer="${FUZZ_SANITIZER:-none}"
status=0
for target in "${targets[@]}"; do
  mkdir -p "fuzz/corpus/$target"
  echo "fuzz.sh: $target for ${seconds}s (sanitizer: $sanitizer)" >&2
  if ! cargo "${toolchain[@]}" fuzz run --fuzz-dir fuzz -s "$sanitizer" "$target" \
      "fuzz/corpus/$target" "fuzz/seeds/$target" \
      -- -max_total_time="$seconds" -max_len=4096 -timeout=10 -print_final_stats=1; then
    echo "fuzz.sh: $target FAILED; see fuzz/artifacts/$target/" >&2
    status=1
  fi
done
exit "$status"
