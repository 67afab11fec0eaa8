/**
 * The package in a real Node-RED process, as a user's Node-RED loads it: Node-RED 5.0 on Node 22
 * (the current release) and Node-RED 4.1 on Node 20. Checks the palette (this package and the
 * dev-dependency modules the shipped flows use), the example flows, and one deployed flow that
 * decodes a real Téléinfo frame. Node 22 comes from scripts/test.sh (NODE22); without it the
 * Node-RED 5 tests fail with the way to get it, they are not skipped.
 */
import { after, before, describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
    deployFlows,
    listNodeSets,
    node22Binary,
    nodeErrors,
    startNodeRed,
    type NodeRedProcess,
    type NodeRedRuntime,
    flowContext,
} from '../../scripts/stack/node-red';
import { projectRoot } from '../support/paths';
import { captureBytes, teleinfoVectors } from '../support/teleinfo-vectors';
import { eventually } from '../support/wait';
import { isRunning } from '../support/processes';

const packageJson = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
    name: string;
    'node-red': { nodes: Record<string, string> };
};
const moduleName = packageJson.name;
/** package.json maps each node type to its file, so the set names are the types. */
const nodeTypes = Object.keys(packageJson['node-red'].nodes);

const runtimes: { name: string; runtime: NodeRedRuntime; nodeBinary: () => string }[] = [
    { name: 'Node-RED 5.0 on Node 22', runtime: 'node-red-5', nodeBinary: node22Binary },
    { name: 'Node-RED 4.1 on Node 20', runtime: 'node-red', nodeBinary: () => process.execPath },
];

/** Every example flow under examples/, as Node-RED names it: its path without .json. */
function exampleFilesOnDisk(dir = path.join(projectRoot, 'examples'), prefix = ''): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        if (entry.isDirectory()) return exampleFilesOnDisk(path.join(dir, entry.name), `${prefix}${entry.name}/`);
        return entry.name.endsWith('.json') ? [`${prefix}${entry.name.slice(0, -'.json'.length)}`] : [];
    });
}

/** Walks GET /library/examples/flows/<module>: folders are strings, flows are {fn}. */
async function examplesListed(url: string, folder = ''): Promise<string[]> {
    const res = await fetch(`${url}/library/examples/flows/${moduleName}${folder === '' ? '' : `/${folder}`}`);
    assert.equal(res.status, 200, `GET examples ${folder}`);
    const entries = (await res.json()) as (string | { fn: string })[];
    const names: string[] = [];
    for (const entry of entries) {
        const prefix = folder === '' ? '' : `${folder}/`;
        if (typeof entry === 'string') names.push(...(await examplesListed(url, `${prefix}${entry}`)));
        else names.push(`${prefix}${entry.fn}`);
    }
    return names;
}

const frameVector = teleinfoVectors.vectors.find((v) => v.id === 'hist_mono_tempo_linky_frame1')!;

for (const { name, runtime, nodeBinary } of runtimes) {
    describe(`${moduleName} in ${name}`, { timeout: 120_000 }, () => {
        let userDir: string;
        let nodeRed: NodeRedProcess;

        before(async () => {
            userDir = fs.mkdtempSync(path.join(os.tmpdir(), `energy-${runtime}-`));
            nodeRed = await startNodeRed({ userDir, runtime, nodeBinary: nodeBinary() });
        });

        after(async () => {
            if (nodeRed !== undefined) {
                await nodeRed.stop();
                assert.equal(isRunning(nodeRed.pid), false, 'Node-RED exited');
            }
            fs.rmSync(userDir, { recursive: true, force: true });
        });

        test('runs the intended Node-RED and Node.js versions', () => {
            const wanted =
                runtime === 'node-red-5'
                    ? { nodeRed: /Node-RED version: v5\.0\./, node: /Node\.js {2}version: v22\./ }
                    : { nodeRed: /Node-RED version: v4\.1\./, node: /Node\.js {2}version: v20\./ };
            assert.match(nodeRed.logs(), wanted.nodeRed);
            assert.match(nodeRed.logs(), wanted.node);
        });

        test('lists every node type of the package, enabled, and no module failed to load', async () => {
            const sets = (await listNodeSets(nodeRed.url)).filter((set) => set.module === moduleName);
            for (const type of nodeTypes) {
                const set = sets.find((s) => s.id === `${moduleName}/${type}`);
                assert.ok(set, `${moduleName}/${type} is listed`);
                assert.equal(set.enabled, true);
                assert.equal(set.err, undefined);
                assert.ok(set.types.includes(type), `${type} is registered by its set`);
            }
            assert.deepEqual(await nodeErrors(nodeRed.url), []);
        });

        test("finds node-red-dashboard and node-red-node-email in the project's node_modules", async () => {
            const sets = await listNodeSets(nodeRed.url);
            const typesOf = (module: string) => sets.filter((s) => s.module === module && s.enabled).flatMap((s) => s.types);
            for (const type of ['ui_base', 'ui_gauge', 'ui_chart']) assert.ok(typesOf('node-red-dashboard').includes(type), type);
            assert.ok(typesOf('node-red-node-email').includes('e-mail'));
            assert.match(nodeRed.logs(), /Dashboard version 3\.6\.6 started at \/ui/);
        });

        test('serves every flow under examples/ in Import > Examples', async () => {
            const onDisk = exampleFilesOnDisk().sort();
            assert.ok(onDisk.length > 0, 'examples/ holds at least one flow');
            assert.deepEqual((await examplesListed(nodeRed.url)).sort(), onDisk);
        });

        test('a deployed flow decodes a real Téléinfo frame sent by an inject node', async () => {
            const expected = frameVector.frames[0].labels;
            await deployFlows(nodeRed.url, [
                { id: 'load-tab', type: 'tab', label: 'load test' },
                {
                    id: 'frame',
                    z: 'load-tab',
                    type: 'inject',
                    props: [{ p: 'payload' }],
                    payload: captureBytes(frameVector.file).toString('latin1'),
                    payloadType: 'str',
                    once: true,
                    onceDelay: 0.1,
                    repeat: '',
                    wires: [['tic']],
                },
                { id: 'tic', z: 'load-tab', type: 'teleinfo-in', source: 'input', mode: 'auto', output: 'frame', wires: [['keep']] },
                {
                    id: 'keep',
                    z: 'load-tab',
                    type: 'function',
                    outputs: 0,
                    wires: [],
                    func: "flow.set('reading', msg);\nflow.set('adco', msg.payload.ADCO, 'file');\nreturn null;",
                },
            ]);
            const reading = await eventually<{ topic: string; payload: Record<string, unknown> }>(() =>
                flowContext(nodeRed.url, 'load-tab', 'reading', 'default'),
            );
            assert.equal(reading.topic, expected.ADCO);
            assert.equal(reading.payload.ADCO, expected.ADCO);
            assert.equal(reading.payload.PAPP, Number(expected.PAPP));
            assert.equal(await flowContext(nodeRed.url, 'load-tab', 'adco', 'file'), expected.ADCO, 'the file context store works');
            assert.doesNotMatch(nodeRed.logs(), /\[error\]/);
        });
    });
}
