#!/usr/bin/env bash
# The Flow Library scorecard (node-red-dev validate), run on the working tree after a build.
# Not part of CI: it needs the live npm registry (node-red's dist-tags, dependency versions).
# catalogue.nodered.org is stubbed (scripts/stack/stub-catalogue.js), so P08 and N01 are only
# meaningful when checked online. Writes .tools/scorecard.json, prints each check, and exits
# non-zero if any failed (node-red-dev itself exits 0 on failed checks).
# Usage: bash scripts/scorecard.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/ensure-tools.sh

ensure_npm_deps
# node-red-dev reads each node's .html beside its .js in dist/.
npm run --silent build

mkdir -p .tools
scorecard=.tools/scorecard.json
rm -f "$scorecard"
NODE_OPTIONS="${NODE_OPTIONS:-} -r $PWD/scripts/stack/stub-catalogue.js" \
    npx --yes node-red-dev@0.1.6 validate -p . -o "$scorecard" </dev/null

if [ ! -s "$scorecard" ]; then
    echo "node-red-dev wrote no scorecard ($scorecard): see its output above" >&2
    exit 2
fi

node - "$scorecard" <<'JS'
const fs = require('node:fs');
const card = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const pkg = require(`${process.cwd()}/package.json`);
// node-red-dev 0.1.6 records P05 as passed even when the keyword is missing: check it here.
if (card.P05) card.P05.test = Array.isArray(pkg.keywords) && pkg.keywords.includes('node-red');
const titles = {
    P01: 'license', P03: 'repository or bugs URL', P04: 'package name', P05: '"node-red" keyword',
    P06: 'Node-RED version range', P07: 'Node.js engines range', P08: 'no similar package name (catalogue stubbed)',
    N01: 'unique node type names (catalogue stubbed)', N02: 'an example flow for every node',
    D01: 'at most 6 dependencies', D02: 'no known-bad dependency', D03: 'dependencies at their latest major',
};
// In node-red-dev's order: package, nodes, dependencies.
const rank = (id) => 'PND'.indexOf(id[0]) * 100 + Number(id.slice(1));
const checks = Object.keys(card).filter((k) => /^[PND]\d\d$/.test(k)).sort((a, b) => rank(a) - rank(b));
const expected = Object.keys(titles);
const missing = expected.filter((k) => !checks.includes(k));
let failed = 0;
console.log(`\nScorecard for ${card.package?.name}@${card.package?.version}`);
for (const id of checks) {
    const { test, ...details } = card[id];
    if (!test) failed++;
    const extra = Object.keys(details).length ? `  ${JSON.stringify(details)}` : '';
    console.log(`${test ? 'pass' : 'FAIL'}  ${id}  ${titles[id] ?? ''}${extra}`);
}
// A check that never ran (node-red-dev stopped early) is a failure too.
for (const id of missing) console.log(`FAIL  ${id}  ${titles[id]}: not in the scorecard`);
failed += missing.length;
console.log(failed === 0 ? `\nall ${checks.length} checks passed` : `\n${failed} check(s) failed`);
process.exit(failed === 0 ? 0 : 1);
JS
