/**
 * A Node-RED 4.1 runtime inside the benchmark process, loading this package from dist/: the
 * test helper's recording spies make it unusable for millions of messages, and a separate process
 * would add IPC to what is measured. No HTTP server listens.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import RED = require('node-red');
import type { Node, NodeDef } from 'node-red';
import { projectRoot } from '../scripts/stack/service';

/**
 * The runtime's internal nodes module, which @types/node-red leaves as an empty interface: the
 * three calls a node module's own RED.nodes would offer, registerType taking the node set first.
 */
export interface RuntimeNodes {
    registerType(nodeSet: string, type: string, constructor: (this: Node, def: NodeDef) => void): void;
    createNode(node: Node, def: NodeDef): void;
    getNode(id: string): Node | null;
}

export const runtimeNodes = RED.nodes as RuntimeNodes;
export { RED };
// RED.version is typed as a string but is the runtime's version() function in 4.1.
export const NODE_RED_VERSION = (JSON.parse(fs.readFileSync(require.resolve('node-red/package.json'), 'utf8')) as { version: string })
    .version;

export interface EmbeddedRuntimeOptions {
    userDir: string;
    flows: unknown[];
    /** The bench's own node types (sources, sinks), registered before the flows start. */
    types: Record<string, (this: Node, def: NodeDef) => void>;
    /** Node ids that must exist once the flows started (a missing one means dist/ or a module is missing). */
    expect: string[];
}

export async function startEmbeddedNodeRed(options: EmbeddedRuntimeOptions): Promise<void> {
    fs.writeFileSync(path.join(options.userDir, 'flows.json'), JSON.stringify(options.flows));
    // The server never listens (no editor, no HTTP nodes); uiHost and uiPort only satisfy the settings' type.
    RED.init(http.createServer(), {
        uiHost: '127.0.0.1',
        uiPort: 0,
        userDir: options.userDir,
        flowFile: 'flows.json',
        // A folder whose package.json has a "node-red" section: this package, loaded from dist/.
        nodesDir: projectRoot,
        httpAdminRoot: false,
        httpNodeRoot: false,
        // No credentials here: nothing to encrypt, and no key file to generate.
        credentialSecret: false,
        logging: { console: { level: 'warn', metrics: false, audit: false } },
    });
    for (const [type, constructor] of Object.entries(options.types)) runtimeNodes.registerType('bench', type, constructor);
    const flowsStarted = new Promise<void>((resolve) => RED.events.once('flows:started', () => resolve()));
    await RED.start();
    await flowsStarted;
    for (const id of options.expect)
        assert.ok(runtimeNodes.getNode(id), `node ${id} started (is dist/ built? are the dev dependencies installed?)`);
}
