/**
 * The demo command as a user runs it (`npm run demo` ends in dist/scripts/demo.js): what it says
 * when the port is taken or InfluxDB does not answer, where Node-RED's log goes and which of its
 * lines it shows, and DEMO_RESET=1. Loopback only; each run is stopped by the test.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { shippedFlows } from '../../scripts/stack/demo-stack';
import { freePort } from '../../scripts/stack/service';
import { projectRoot } from '../support/paths';
import { eventually } from '../support/wait';

const DEMO_JS = path.join(projectRoot, 'dist', 'scripts', 'demo.js');

interface DemoRun {
    child: ChildProcess;
    stdout(): string;
    stderr(): string;
    /** The exit code, once it has exited. */
    exited: Promise<number | null>;
}

const runs: DemoRun[] = [];
let dir: string;

function runDemo(env: Record<string, string>): DemoRun {
    // Only what the test sets: none of the demo's settings from the environment running the tests.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(DEMO_|NODE_RED_PORT$|INFLUX_URL$)/.test(name)));
    const child = spawn(process.execPath, [DEMO_JS], { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString('utf8');
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const run = { child, stdout: () => stdout, stderr: () => stderr, exited };
    runs.push(run);
    return run;
}

async function stopRun(run: DemoRun): Promise<number | null> {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGINT');
    const killer = setTimeout(() => run.child.kill('SIGKILL'), 30_000);
    const code = await run.exited;
    clearTimeout(killer);
    return code;
}

before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'energy-demo-cli-'));
});

after(async () => {
    for (const run of runs) await stopRun(run);
    fs.rmSync(dir, { recursive: true, force: true });
});

test('NODE_RED_PORT held by another program: the demo stops within seconds, saying to set NODE_RED_PORT', async () => {
    // Held on every interface, as an installed Node-RED holds 1880.
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '0.0.0.0', () => resolve()));
    const port = (holder.address() as net.AddressInfo).port;
    try {
        const started = Date.now();
        const run = runDemo({ NODE_RED_PORT: String(port), DEMO_DIR: path.join(dir, 'port-taken') });
        assert.equal(await run.exited, 1);
        const seconds = (Date.now() - started) / 1000;
        assert.ok(seconds < 10, `stopped after ${seconds} s`);
        assert.match(run.stderr(), new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use.*set NODE_RED_PORT to a free port`));
        assert.equal(fs.existsSync(path.join(dir, 'port-taken', 'influxdb')), false, 'nothing was started before the check');
    } finally {
        holder.close();
    }
});

test(
    "InfluxDB not answering, DEMO_RESET=1: the demo says so and goes on; Node-RED's log in a file, its warnings shown live",
    {
        timeout: 180_000,
    },
    async () => {
        const demoDir = path.join(dir, 'influx-down');
        const userDir = path.join(demoDir, 'node-red');
        // Flows a user deployed earlier, which DEMO_RESET=1 replaces.
        fs.mkdirSync(userDir, { recursive: true });
        const note = { id: 'cli-user-note', type: 'comment', z: 'home-linky', name: 'deployed in the editor', wires: [] };
        fs.writeFileSync(path.join(userDir, 'flows.json'), JSON.stringify([...shippedFlows(), note]));
        const closedPort = await freePort();
        const nodeRedPort = await freePort();
        const influxUrl = `http://127.0.0.1:${closedPort}`;
        const run = runDemo({ DEMO_DIR: demoDir, NODE_RED_PORT: String(nodeRedPort), INFLUX_URL: influxUrl, DEMO_RESET: '1' });
        const ready = () => (run.stdout().includes('Ctrl-C stops everything') ? true : undefined);
        await Promise.race([
            eventually(ready, 120_000, 200),
            run.exited.then((code) => {
                throw new Error(`the demo exited (${code}): ${run.stdout()}${run.stderr()}`);
            }),
        ]);
        const stdout = run.stdout();

        // InfluxDB: said while starting and in the summary, with what to do; the demo runs on.
        assert.ok(stdout.includes(`demo: InfluxDB at ${influxUrl} does not answer (connection refused): the demo goes on`), stdout);
        assert.match(stdout, /InfluxDB: +http:\/\/127\.0\.0\.1:\d+ +NOT ANSWERING \(connection refused\): check INFLUX_URL/);
        assert.equal(run.child.exitCode, null);
        assert.equal((await fetch(`http://127.0.0.1:${nodeRedPort}/settings`)).status, 200);

        // DEMO_RESET=1: the shipped flows run, the user's are in the backup named.
        const backup = /Flows: +\S+ \(the shipped flows again; yours are in (\S+)\)/.exec(stdout)?.[1];
        assert.ok(backup !== undefined, stdout);
        assert.ok(fs.readFileSync(backup, 'utf8').includes(note.id));
        const flows = (await (await fetch(`http://127.0.0.1:${nodeRedPort}/flows`)).json()) as { id: string }[];
        assert.deepEqual(flows.map((n) => n.id).sort(), (shippedFlows() as { id: string }[]).map((n) => n.id).sort());

        // Node-RED's log: its path printed, the whole of it in the file, only warnings and errors on the console.
        const logFile = /Node-RED log: +(\S+)/.exec(stdout)?.[1];
        assert.equal(logFile, path.join(demoDir, 'node-red.log'));
        assert.match(stdout, new RegExp(`demo: starting Node-RED \\(its log: ${logFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`));
        const shown = await eventually(
            () => {
                const lines = run
                    .stdout()
                    .split('\n')
                    .filter((line) => /^node-red: .* - \[(warn|error)\] /.test(line));
                return lines.length > 0 ? lines : undefined;
            },
            60_000,
            200,
        );
        const log = fs.readFileSync(logFile, 'utf8');
        assert.match(log, /\[info\] Node-RED version: v4/);
        assert.match(log, /\[info\] Started flows/);
        assert.ok(log.includes(shown[0].slice('node-red: '.length)), 'a line shown live is in the file');
        assert.deepEqual(
            run
                .stdout()
                .split('\n')
                .filter((line) => /^node-red: .* - \[info\] /.test(line)),
            [],
            'info lines stay in the file',
        );

        assert.equal(await stopRun(run), 0);
        assert.match(run.stdout(), /demo: SIGINT, stopping…/);
    },
);
