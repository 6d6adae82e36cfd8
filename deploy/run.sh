#!/usr/bin/env bash
# The main job on embedded defaults: earkiv serve with embedded NATS, S3
# gateway and catalog under $DATA, a demo municipality, and the sample
# packages submitted once it is up. Ctrl-C stops it. Every address moves
# by flag or environment (the flag wins):
#   --http.addr    HTTP     web pages and API   127.0.0.1:8080
#   --metrics.addr METRICS  /metrics, /healthz  127.0.0.1:9464
#   --nats.addr    NATS     embedded NATS       127.0.0.1:4222
#   --s3.addr      S3       embedded S3 gateway 127.0.0.1:7070
#   --data-dir     DATA     data folder         earkiv-data
set -euo pipefail
BIN=${BIN:-bin/earkiv}
DATA=${DATA:-earkiv-data}
HTTP=${HTTP:-127.0.0.1:8080}
METRICS=${METRICS:-127.0.0.1:9464}
NATS=${NATS:-127.0.0.1:4222}
S3=${S3:-127.0.0.1:7070}

usage() {
  sed -n '2,10s/^# \{0,1\}//p' "$0" >&2
  exit "$1"
}
while [ $# -gt 0 ]; do
  case $1 in
    --*=*) flag=${1%%=*} val=${1#*=}; shift ;;
    --help|-h) usage 0 ;;
    --*) [ $# -ge 2 ] || { echo "run.sh: $1 needs a value" >&2; usage 2; }
         flag=$1 val=$2; shift 2 ;;
    *) echo "run.sh: unexpected argument $1" >&2; usage 2 ;;
  esac
  case $flag in
    --http.addr) HTTP=$val ;;
    --metrics.addr) METRICS=$val ;;
    --nats.addr) NATS=$val ;;
    --s3.addr) S3=$val ;;
    --data-dir) DATA=$val ;;
    *) echo "run.sh: unknown flag $flag" >&2; usage 2 ;;
  esac
done

"$BIN" tenant add --data-dir "$DATA" --if-missing --id exempelby --name "Exempelby kommun" \
  --org 212000-0001 --password-file "$DATA/exempelby.password" >/dev/null

# Demo people of Exempelby kommun for the web pages, each with a password
# of its own in the data folder (made once).
for who in "anna.arkivarie:Anna Arkivarie:arkivarie" "bo.ansvarig:Bo Arkivansvarig:arkivansvarig" "lars.lasare:Lars Läsare:läsare" "ada.admin:Ada Administratör:administratör"; do
  id=${who%%:*} rest=${who#*:} name=${rest%%:*} role=${rest#*:}
  pw="$DATA/$id.password"
  [ -s "$pw" ] && continue
  (umask 077; head -c 18 /dev/urandom | base64 | tr '+/' 'kx' >"$pw")
  "$BIN" user add --data-dir "$DATA" --nats.addr "$NATS" --tenant exempelby --id "$id" --name "$name" --role "$role" --password-file "$pw" || true
done

"$BIN" serve --data-dir "$DATA" --http.addr "$HTTP" --metrics.addr "$METRICS" --nats.addr "$NATS" --s3.addr "$S3" &
serve=$!
# Ctrl-C (or TERM) stops serve cleanly and is a normal end; any other exit
# of this script takes serve down with it.
stop() { kill -TERM "$serve" 2>/dev/null || true; wait "$serve" 2>/dev/null || true; }
trap 'stop; exit 0' INT TERM
trap stop EXIT

for _ in $(seq 1 120); do
  curl -fs "http://$HTTP/healthz" >/dev/null 2>&1 && break
  kill -0 $serve 2>/dev/null || { echo "earkiv serve exited"; exit 2; }
  sleep 0.5
done

echo
echo "== submitting the sample packages as Exempelby kommun's case system"
for p in packages-sample/fgs1-valid-arenden packages-sample/eark-valid-erms packages-sample/eark-valid-zip.zip packages-sample/eark-bad-checksum; do
  "$BIN" submit --tenant exempelby --nats.url "nats://$NATS" --password-file "$DATA/exempelby.password" --wait "$p" || true
  echo
done
# The example informationshanteringsplan, fastställd by the demo
# arkivansvarig once, and a delivery its rules make due for gallring.
if [ ! -e "$DATA/demo-plan.done" ]; then
  echo "== the example informationshanteringsplan (docs/examples/ihp.csv), fastställd by bo.ansvarig"
  if token=$("$BIN" login --server "http://$HTTP" --tenant exempelby --user bo.ansvarig --password-file "$DATA/bo.ansvarig.password" --print-token); then
    version=$(EARKIV_TOKEN=$token "$BIN" plan import --server "http://$HTTP" --tenant exempelby docs/examples/ihp.csv | tail -n 1) &&
      EARKIV_TOKEN=$token "$BIN" plan activate --server "http://$HTTP" --tenant exempelby "$version" --from 2020-01-01 &&
      sample=$("$BIN" sample generate --family fgs1 --cases 2 --files 2 --class 4.2 --arendetyp Serveringstillstånd --closed 2015-06-30 "$DATA/demo-sample") &&
      "$BIN" submit --tenant exempelby --nats.url "nats://$NATS" --password-file "$DATA/exempelby.password" --wait "$sample" &&
      touch "$DATA/demo-plan.done"
  fi
  echo
fi
cat <<MSG
== earkiv is running (Ctrl-C stops it)
  submit:   $BIN submit --tenant exempelby --nats.url nats://$NATS --password-file $DATA/exempelby.password --wait PACKAGE
  receipt:  $BIN receipt --tenant exempelby --nats.url nats://$NATS --password-file $DATA/exempelby.password ID
  events:   $BIN events --data-dir $DATA --from 1   (finds this serve from $DATA/endpoints.json)
  web:      http://$HTTP/  log in to Exempelby kommun as anna.arkivarie, bo.ansvarig, lars.lasare or ada.admin
            with the password in $DATA/<id>.password
  person:   $BIN login --server http://$HTTP --tenant exempelby --user anna.arkivarie --password-file $DATA/anna.arkivarie.password
  gallring: EARKIV_TOKEN=\$($BIN login --server http://$HTTP --tenant exempelby --user bo.ansvarig --password-file $DATA/bo.ansvarig.password --print-token) \\
              $BIN disposal due --server http://$HTTP --tenant exempelby
  API:      curl -u exempelby:\$(cat $DATA/exempelby.password) http://$HTTP/api/v1/aips
  metrics:  curl http://$METRICS/metrics
MSG
rc=0
wait "$serve" || rc=$?
trap - EXIT
exit $rc
