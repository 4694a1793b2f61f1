#!/usr/bin/env bash
# Installs the system packages the test suite drives when they are missing, so `npm test` alone works on a fresh
# machine of this project's kind (Debian, root). `npm test` runs it before the build; `.ci/run` through `npm test`.
# Each entry: a command or file that proves the package is there, and the Debian package that provides it.
set -euo pipefail

need=()
have() { command -v "$1" >/dev/null 2>&1 || [ -e "$1" ]; }
want() { have "$1" || need+=("$2"); }

want openstack python3-openstackclient      # CSBS/Keystone conformance: the real OpenStack client
want karbor python3-karborclient            # Karbor routes: the real Karbor client
want /usr/lib/postgresql/15/bin/initdb postgresql-15   # pg state backend: a throwaway PostgreSQL 15 cluster (test/support/postgres.ts)
# S3 state backend: a real S3-compatible server, OpenStack Swift all-in-one with s3api (scripts/s3-server.sh)
want swift-ring-builder swift
want swift-proxy-server swift-proxy
want swift-account-server swift-account
want swift-container-server swift-container
want swift-object-server swift-object
want /usr/lib/python3/dist-packages/swift/common/middleware/s3api python3-swift
want memcached memcached                    # tempauth keeps its tokens in memcache
want git git                                # module sources: real Git repositories, git:: installs
want unzip unzip                            # module sources: .zip archives
want zip zip                                # module tests: building .zip archives
want openssl openssl                        # module registry test: a self-signed certificate
want xmllint libxml2-utils                  # restore-test JUnit XML: parsed by a real XML parser
want haproxy haproxy                        # engine scale-out: several engine nodes behind a real load balancer

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "test-deps: missing ${need[*]}; install them (Debian: apt-get install ${need[*]})" >&2
    exit 1
  fi
  echo "test-deps: installing ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
