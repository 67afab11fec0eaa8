#!/usr/bin/env bash
# The demo, from a fresh clone: installs what is missing (npm packages; Debian's influxdb and
# socat), builds, then runs Node-RED with the shipped flows, simulated meters and a private
# InfluxDB. Ctrl-C stops everything. Usage: npm run demo  (or: bash scripts/demo.sh)
# Set INFLUX_URL=http://host:8086 to use an InfluxDB you already run instead of a private one;
# the other settings are listed in scripts/demo.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
TOOLS_SAY="demo:"
source scripts/lib/ensure-tools.sh

ensure_npm_deps
if [ -n "${INFLUX_URL:-}" ]; then
    ensure_debian_packages socat:socat
else
    ensure_debian_packages socat:socat influxd:influxdb || {
        echo "Or use an InfluxDB you already run: INFLUX_URL=http://host:8086 npm run demo" >&2
        exit 1
    }
fi
echo "demo: building (npm run build)"
npm run --silent build
exec node dist/scripts/demo.js
