#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs, builds, runs every test with
# Node's test runner (unit, node, integration, e2e). Usage: npm test  (or: bash scripts/test.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/ensure-tools.sh

ensure_npm_deps
ensure_debian_packages socat:socat influxd:influxdb openssl:openssl chromium:chromium rrdtool:rrdtool '/usr/lib/python3/dist-packages/rrdtool*.so:python3-rrdtool'
ensure_node22

npm run --silent lint
npm run --silent build
# Files run one at a time: integration and e2e tests start servers and real devices.
mapfile -t files < <(find dist/test -name "*.test.js" | sort)
node --test --test-concurrency=1 "${files[@]}"
