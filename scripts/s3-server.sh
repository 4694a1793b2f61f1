#!/usr/bin/env bash
# A throwaway S3-compatible server for tests: OpenStack Swift all-in-one (Debian's swift packages) with the s3api
# middleware and tempauth, one replica, storage devices as plain directories, on free loopback ports.
#
#   scripts/s3-server.sh start DIR   sets it up in DIR (must be empty or absent), starts it, waits until S3 answers,
#                                    prints KEY=VALUE lines: S3_ENDPOINT, S3_ACCESS_KEY, S3_SECRET_KEY, S3_REGION
#   scripts/s3-server.sh stop DIR    stops the processes it started (by the pids in DIR/pids), nothing else
set -euo pipefail

cmd=${1:?usage: s3-server.sh start|stop DIR}
dir=${2:?usage: s3-server.sh start|stop DIR}
PY=/usr/bin/python3 # Debian's python, where python3-swift lives (a pyenv python on PATH would not see it)

stop() {
  [ -f "$dir/pids" ] || return 0
  while read -r pid; do kill "$pid" 2>/dev/null || true; done <"$dir/pids"
  for _ in $(seq 50); do
    alive=0
    while read -r pid; do kill -0 "$pid" 2>/dev/null && alive=1; done <"$dir/pids"
    [ $alive = 0 ] && break
    sleep 0.1
  done
  while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done <"$dir/pids"
  rm -f "$dir/pids"
}

if [ "$cmd" = stop ]; then stop; exit 0; fi
[ "$cmd" = start ] || { echo "s3-server.sh: unknown command $cmd" >&2; exit 2; }
command -v swift-proxy-server >/dev/null && command -v memcached >/dev/null || { echo "s3-server.sh: swift or memcached is not installed (Debian: apt-get install swift swift-proxy swift-object swift-container swift-account memcached)" >&2; exit 1; }

mkdir -p "$dir/etc" "$dir/srv/d1" "$dir/log" "$dir/run"
dir=$(cd "$dir" && pwd)
trap 'stop' ERR

# five free loopback ports: proxy, account, container, object, memcached (tempauth keeps its tokens there)
read -r pp ap cp op mp < <($PY - <<'PYEOF'
import socket
socks = [socket.socket() for _ in range(5)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])
for s in socks: s.close()
PYEOF
)

cat >"$dir/etc/swift.conf" <<CONF
[swift-hash]
swift_hash_path_suffix = backplan-test
swift_hash_path_prefix = backplan-test
[storage-policy:0]
name = Policy-0
default = yes
CONF

for pair in "account $ap" "container $cp" "object $op"; do
  set -- $pair
  (cd "$dir/etc" && swift-ring-builder "$1.builder" create 0 1 1 >/dev/null &&
    swift-ring-builder "$1.builder" add "r1z1-127.0.0.1:$2/d1" 1 >/dev/null &&
    swift-ring-builder "$1.builder" rebalance >/dev/null 2>&1 || true)
  [ -f "$dir/etc/$1.ring.gz" ] || { echo "s3-server.sh: building the $1 ring failed" >&2; exit 1; }
  cat >"$dir/etc/$1-server.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $2
workers = 0
devices = $dir/srv
mount_check = false
swift_dir = $dir/etc
log_name = $1-server
log_address = $dir/run/nolog
log_level = WARNING

[pipeline:main]
pipeline = $1-server

[app:$1-server]
use = egg:swift#$1
CONF
done
# one replica: the object server applies async container updates itself, no updater daemon is needed for listings
cat >>"$dir/etc/container-server.conf" <<CONF
allow_versions = true
CONF

cat >"$dir/etc/proxy-server.conf" <<CONF
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = $pp
workers = 0
swift_dir = $dir/etc
log_name = proxy-server
log_address = $dir/run/nolog
log_level = WARNING

[pipeline:main]
pipeline = catch_errors gatekeeper proxy-logging cache listing_formats s3api tempauth copy slo dlo proxy-logging proxy-server

[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
allow_account_management = true

[filter:catch_errors]
use = egg:swift#catch_errors

[filter:gatekeeper]
use = egg:swift#gatekeeper

[filter:proxy-logging]
use = egg:swift#proxy_logging

[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:$mp

[filter:slo]
use = egg:swift#slo

[filter:dlo]
use = egg:swift#dlo

[filter:listing_formats]
use = egg:swift#listing_formats

[filter:copy]
use = egg:swift#copy

[filter:s3api]
use = egg:swift#s3api
location = us-east-1
# path-style and virtual-host requests both work; tests use path style
dns_compliant_bucket_names = true

[filter:tempauth]
use = egg:swift#tempauth
user_test_tester = testing .admin
CONF

: >"$dir/pids"
memcached -l 127.0.0.1 -p "$mp" -U 0 -m 16 -u "$(id -un)" >"$dir/log/memcached.log" 2>&1 &
echo $! >>"$dir/pids"
for s in account container object proxy; do
  $PY "$(command -v swift-$s-server)" "$dir/etc/$s-server.conf" >"$dir/log/$s.log" 2>&1 &
  echo $! >>"$dir/pids"
done

# ready when the proxy answers an S3 request (403 without credentials is an answer)
for _ in $(seq 150); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$pp/" || true)
  [ "$code" != "000" ] && break
  sleep 0.2
done
[ "$code" != "000" ] || { echo "s3-server.sh: the Swift proxy did not start; logs in $dir/log" >&2; tail -5 "$dir"/log/*.log >&2; stop; exit 1; }

echo "S3_ENDPOINT=http://127.0.0.1:$pp"
echo "S3_ACCESS_KEY=test:tester"
echo "S3_SECRET_KEY=testing"
echo "S3_REGION=us-east-1"
