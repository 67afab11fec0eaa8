/**
 * The demo's flow file: the shipped flows at the first start, the user's kept after, a backup
 * whenever a file is replaced.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { prepareFlows } from '../../scripts/stack/demo-flows';

const SHIPPED = [
    { id: 'tab', type: 'tab', label: 'Shipped' },
    { id: 'n1', type: 'inject', z: 'tab', wires: [] },
];
const SHIPPED_NEXT = [...SHIPPED, { id: 'n2', type: 'debug', z: 'tab', wires: [] }];
const USERS = [...SHIPPED, { id: 'mine', type: 'comment', z: 'tab', name: 'my change', wires: [] }];
const NOW = new Date('2026-01-15T12:34:56.789Z');

function inUserDir(body: (userDir: string, flowFile: string) => void): void {
    const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-flows-'));
    try {
        body(userDir, path.join(userDir, 'flows.json'));
    } finally {
        fs.rmSync(userDir, { recursive: true, force: true });
    }
}

const read = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
/** Node-RED writes the file its own way on deploy: another layout, the same flows. */
const deploy = (file: string, flows: unknown) => fs.writeFileSync(file, JSON.stringify(flows, null, 4));
const backups = (userDir: string) =>
    fs
        .readdirSync(userDir)
        .filter((f) => f.includes('backup'))
        .sort();

test('first start: the shipped flows are written', () => {
    inUserDir((userDir, flowFile) => {
        assert.deepEqual(prepareFlows(userDir, SHIPPED, { now: NOW }), { action: 'deployed', file: flowFile });
        assert.deepEqual(read(flowFile), SHIPPED);
        assert.deepEqual(backups(userDir), []);
    });
});

test('flows deployed in the editor are kept at every start after, even when the shipped flows change', () => {
    inUserDir((userDir, flowFile) => {
        prepareFlows(userDir, SHIPPED, { now: NOW });
        deploy(flowFile, USERS);
        assert.deepEqual(prepareFlows(userDir, SHIPPED, { now: NOW }), { action: 'kept', file: flowFile, differsFromShipped: true });
        assert.deepEqual(prepareFlows(userDir, SHIPPED_NEXT, { now: NOW }), { action: 'kept', file: flowFile, differsFromShipped: true });
        assert.deepEqual(read(flowFile), USERS);
        assert.deepEqual(backups(userDir), []);
    });
});

test('the shipped flows, untouched (even if written again by Node-RED), are kept; updated with a backup once they change', () => {
    inUserDir((userDir, flowFile) => {
        prepareFlows(userDir, SHIPPED, { now: NOW });
        deploy(flowFile, SHIPPED);
        assert.deepEqual(prepareFlows(userDir, SHIPPED, { now: NOW }), { action: 'kept', file: flowFile, differsFromShipped: false });
        const outcome = prepareFlows(userDir, SHIPPED_NEXT, { now: NOW });
        const backup = path.join(userDir, 'flows-backup-2026-01-15T12-34-56-789Z.json');
        assert.deepEqual(outcome, { action: 'updated', file: flowFile, backup });
        assert.deepEqual(read(flowFile), SHIPPED_NEXT);
        assert.deepEqual(read(backup), SHIPPED);
    });
});

test("reset: the shipped flows replace the user's, which are backed up with their credentials", () => {
    inUserDir((userDir, flowFile) => {
        prepareFlows(userDir, SHIPPED, { now: NOW });
        deploy(flowFile, USERS);
        fs.writeFileSync(path.join(userDir, 'flows_cred.json'), '{"$":"encrypted"}');
        const outcome = prepareFlows(userDir, SHIPPED, { reset: true, now: NOW });
        const backup = path.join(userDir, 'flows-backup-2026-01-15T12-34-56-789Z.json');
        assert.deepEqual(outcome, { action: 'reset', file: flowFile, backup });
        assert.deepEqual(read(flowFile), SHIPPED);
        assert.deepEqual(read(backup), USERS);
        const stamp = '2026-01-15T12-34-56-789Z';
        assert.deepEqual(backups(userDir), [`flows-backup-${stamp}.json`, `flows_cred-backup-${stamp}.json`]);
        // The shipped flows are the demo's again: a change of them updates the file.
        assert.equal(prepareFlows(userDir, SHIPPED_NEXT, { now: new Date(NOW.getTime() + 1000) }).action, 'updated');
    });
});

test('a folder from before the demo kept flows (it wrote the shipped ones at every start): brought up to date, with a backup', () => {
    inUserDir((userDir, flowFile) => {
        deploy(flowFile, SHIPPED);
        assert.deepEqual(prepareFlows(userDir, SHIPPED, { now: NOW }), { action: 'kept', file: flowFile, differsFromShipped: false });
        assert.equal(prepareFlows(userDir, SHIPPED_NEXT, { now: NOW }).action, 'updated');
    });
    inUserDir((userDir, flowFile) => {
        deploy(flowFile, USERS);
        const outcome = prepareFlows(userDir, SHIPPED, { now: NOW });
        assert.equal(outcome.action, 'updated');
        assert.deepEqual(read(flowFile), SHIPPED);
        assert.deepEqual(read((outcome as { backup: string }).backup), USERS);
    });
});

test("a flow file that is not JSON (edited by hand) is the user's: kept as it is", () => {
    inUserDir((userDir, flowFile) => {
        prepareFlows(userDir, SHIPPED, { now: NOW });
        fs.writeFileSync(flowFile, '[{"id": "half-written"');
        assert.deepEqual(prepareFlows(userDir, SHIPPED_NEXT, { now: NOW }), { action: 'kept', file: flowFile, differsFromShipped: true });
        assert.equal(fs.readFileSync(flowFile, 'utf8'), '[{"id": "half-written"');
    });
});
