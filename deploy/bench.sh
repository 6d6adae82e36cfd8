#!/usr/bin/env bash
# Measures earkiv against baselines on this machine, in the same run:
#   validate throughput on a 1 GB package of 200 files vs sha256sum over the same files;
#   XSD throughput on a ~20 MB METS vs xmllint --noout --schema.
# Each side is the best of 3 runs. Prints the ratios (>1 means earkiv is faster).
set -euo pipefail
BIN=${BIN:-bin/earkiv}
DIR=${BENCH_DIR:-bench-out}
SCHEMA_DIR=${SCHEMA_DIR:-schemas/official}
mkdir -p "$DIR"
now() { date +%s.%N; }
# best SECONDS of 3 runs of a command (less noise than one run on a busy machine)
best() {
  local b="" t0 t1 d
  for _ in 1 2 3; do
    t0=$(now); "$@" >/dev/null 2>&1 || true; t1=$(now)
    d=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b-a}')
    b=$(awk -v x="$b" -v y="$d" 'BEGIN{ if (x == "" || y < x) print y; else print x }')
  done
  echo "$b"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

big="$DIR/big-1g"
if [ ! -f "$big/METS.xml" ]; then
  rm -rf "$big"
  "$BIN" sample generate --family eark --cases 20 --files 10 --size 5MB --id big-1g --seed 1 "$DIR" >/dev/null
fi
cat $(find "$big" -type f) >/dev/null # same page-cache state for both
sha=$(best sh -c "find '$big/representations' -type f -print0 | xargs -0 sha256sum")
ours=$(best "$BIN" validate "$big")
echo "validate 1 GB / 200 files: sha256sum ${sha}s, earkiv validate ${ours}s, ratio $(ratio "$sha" "$ours")x (target >= 0.8x)"

mets="$DIR/mets-20m"
if [ ! -f "$mets/METS.xml" ]; then
  rm -rf "$mets"
  "$BIN" sample generate --family eark --cases 460 --files 100 --size 8B --id mets-20m --seed 2 "$DIR" >/dev/null
fi
size=$(stat -c %s "$mets/METS.xml")
lint=$(best xmllint --noout --nonet --schema "$SCHEMA_DIR/wrappers/eark-csip-sip-2.xsd" "$mets/METS.xml")
ours=$(best "$BIN" xsd --set eark-csip-sip-2 "$mets/METS.xml")
echo "XSD on $((size / 1000000)) MB METS: xmllint ${lint}s, earkiv ${ours}s, ratio $(ratio "$lint" "$ours")x (target >= 1.0x)"
