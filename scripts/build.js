// Compiles the TypeScript sources to dist/ and copies what Node-RED reads beside each node's
// compiled .js: its editor .html, its locales/ folder and its icon from icons/; and resources/. The shipped flows
// are copied under examples/flows/ (git-ignored) so that Import > Examples offers them too.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');

fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', root], { stdio: 'inherit' });

// The editor's shared script and the node migrations, which the runtime requires too (nodes/shared/migrations.ts).
fs.cpSync(path.join(root, 'resources'), path.join(dist, 'resources'), { recursive: true });

const nodesDir = path.join(root, 'nodes');
for (const type of fs.readdirSync(nodesDir)) {
    // The node kit: compiled code only.
    if (type === 'shared') continue;
    const src = path.join(nodesDir, type);
    const out = path.join(dist, 'nodes', type);
    fs.mkdirSync(out, { recursive: true });
    fs.cpSync(src, out, { recursive: true, filter: (p) => !p.endsWith('.ts') });
    const icon = path.join(root, 'icons', `${type}.svg`);
    if (fs.existsSync(icon)) {
        fs.mkdirSync(path.join(out, 'icons'), { recursive: true });
        fs.copyFileSync(icon, path.join(out, 'icons', `${type}.svg`));
    }
}

const shippedExamples = path.join(root, 'examples', 'flows');
fs.rmSync(shippedExamples, { recursive: true, force: true });
fs.cpSync(path.join(root, 'flows'), shippedExamples, {
    recursive: true,
    filter: (p) => fs.statSync(p).isDirectory() || p.endsWith('.json'),
});
