/**
 * End to end, the README's "Using it in your own Node-RED" as a user follows it: this package
 * packed, installed with the packages its `npm install` line names into a fresh userDir, Node-RED
 * 4.1 started there with the README's contextStorage and nothing loaded from this checkout, the
 * shipped flows imported from the examples the installed package offers and deployed through the
 * admin API. Simulated meters on pseudo-terminals, an influxd and a mail sink stand in for the
 * house; the flows' variables point at them. Checked through GET /nodes, on /ui in headless
 * Chromium, in InfluxDB and in the userDir's `file` context store.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { influxQuery, startInfluxd } from '../../scripts/stack/influxd';
import { deployFlows, listNodeSets, nodeErrors, startNodeRed, type NodeRedProcess, type NodeSet } from '../../scripts/stack/node-red';
import { openPtyPair } from '../../sim/pty';
import { startSmtpSink, type SmtpSink } from '../../sim/smtp-sink';
import { HistoricMonoHpHcMeter, StandardTriProducerMeter } from '../../sim/tic-frames';
import { startTicSimulator } from '../../sim/tic-meter-sim';
import { launchChromium } from '../support/browser';
import { projectRoot } from '../support/paths';
import { npmInstallPackages, readmeSection, settingsSnippet } from '../support/readme';
import { eventually } from '../support/wait';

const run = promisify(execFile);

const INSTALL_SECTION = readmeSection('Using it in your own Node-RED');
const FLOWS_DIR = path.join(projectRoot, 'flows');
const manifest = JSON.parse(fs.readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    devDependencies: Record<string, string>;
};
/** What Node-RED's first start writes into a userDir that has none. */
const FIRST_START_PACKAGE = { name: 'node-red-project', description: 'A Node-RED Project', version: '0.0.1', private: true };
const RECIPIENT = 'someone@example.org';
/** Node types a flow file defines itself rather than a node module. */
const FLOW_STRUCTURE_TYPES = new Set(['tab', 'subflow', 'group', 'junction']);

/** A node as a flow file holds it. */
interface FlowNode {
    type: string;
    env?: { name: string; value: string; type: string }[];
}

/** flows/*.json, by file name. */
function shippedFlowFiles(): Map<string, FlowNode[]> {
    return new Map(
        fs
            .readdirSync(FLOWS_DIR)
            .filter((f) => f.endsWith('.json'))
            .sort()
            .map((f) => [f, JSON.parse(fs.readFileSync(path.join(FLOWS_DIR, f), 'utf8')) as FlowNode[]]),
    );
}

let dir = '';
let userDir: string;
let packedFile: string;
let nodeRed: NodeRedProcess | undefined;
let influxUrl: string;
let mailbox: SmtpSink;
const stoppers: (() => Promise<void>)[] = [];

/**
 * npm as the README runs it. The cache the project's `npm ci` filled answers first: no audit, no
 * funding request, the registry only for what the cache lacks.
 */
async function npm(cwd: string, args: string[]): Promise<string> {
    const { stdout } = await run('npm', [...args, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
        cwd,
        maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
}

before(
    async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), 'energy-install-'));
        // The suite has built dist/ already: pack it as prepack would have built it, without building twice.
        const [packed] = JSON.parse(await npm(projectRoot, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir])) as {
            filename: string;
        }[];
        packedFile = path.join(dir, packed.filename);

        userDir = path.join(dir, 'node-red');
        fs.mkdirSync(userDir);
        fs.writeFileSync(path.join(userDir, 'package.json'), JSON.stringify(FIRST_START_PACKAGE, null, 4));
        const specs = npmInstallPackages(INSTALL_SECTION).map((p) => (p.tarball !== undefined ? packedFile : `${p.name}@${p.version}`));
        await npm(userDir, ['install', ...specs]);

        const influxd = await startInfluxd({ dataDir: path.join(dir, 'influxdb'), continuousQueries: true });
        stoppers.push(() => influxd.stop());
        influxUrl = influxd.url;
        const ptyDir = path.join(dir, 'tty');
        fs.mkdirSync(ptyDir);
        const home = await openPtyPair(ptyDir, 'tic-home');
        stoppers.push(() => home.close());
        const solar = await openPtyPair(ptyDir, 'tic-solar');
        stoppers.push(() => solar.close());
        for (const meter of [
            startTicSimulator({ path: home.meterPath, meter: new HistoricMonoHpHcMeter(), baud: 1200 }),
            startTicSimulator({ path: solar.meterPath, meter: new StandardTriProducerMeter(), baud: 9600 }),
        ])
            stoppers.push(() => meter.stop());
        mailbox = await startSmtpSink();
        stoppers.push(() => mailbox.close());

        nodeRed = await startNodeRed({
            userDir,
            runtime: 'node-red',
            env: {
                TIC_HOME_PORT: home.appPath,
                TIC_SOLAR_PORT: solar.appPath,
                INFLUX_HOST: influxd.host,
                INFLUX_PORT: String(influxd.port),
                SMTP_HOST: mailbox.host,
                SMTP_PORT: String(mailbox.port),
            },
            // Modules from the userDir only (not this checkout), and the settings the README gives.
            settingsOverrides: { nodesDir: [], ...settingsSnippet(INSTALL_SECTION, 'contextStorage') },
        });
        stoppers.push(() => nodeRed?.stop() ?? Promise.resolve());
    },
    { timeout: 180_000 },
);

after(async () => {
    for (const stop of stoppers.reverse()) await stop();
    if (dir !== '') fs.rmSync(dir, { recursive: true, force: true });
});

/** The Node-RED the `before` hook started (running until the context-store test stops it). */
function started(): NodeRedProcess {
    assert.ok(nodeRed !== undefined, 'Node-RED started');
    return nodeRed;
}

test('the install line names the tarball npm pack writes, and the versions the demo and the tests run', () => {
    const named = npmInstallPackages(INSTALL_SECTION);
    assert.deepEqual(
        named.filter((p) => p.tarball !== undefined).map((p) => path.basename(p.tarball!)),
        [path.basename(packedFile)],
    );
    for (const { name, version } of named.filter((p) => p.tarball === undefined)) {
        assert.ok(name !== undefined && manifest.devDependencies[name] !== undefined, `${name} is a dev dependency the demo loads`);
        assert.equal(version, manifest.devDependencies[name], `${name}: the README names the version package.json pins`);
    }
});

test("the shipped flows' table names every variable of each flow's tabs, with the tab's default", () => {
    const table = readmeSection('Shipped flows');
    for (const [file, nodes] of shippedFlowFiles()) {
        const row = table.split('\n').find((line) => line.startsWith(`| \`${file}\` |`));
        assert.ok(row !== undefined, `the table has a row for ${file}`);
        for (const variable of nodes.flatMap((n) => (n.type === 'tab' ? (n.env ?? []) : []))) {
            assert.ok(row.includes(`\`${variable.name}\``), `${file}: the table names ${variable.name}`);
            const stated = new RegExp(`\`${variable.name}\` \\(\`([^\`]*)\`\\)`).exec(row)?.[1];
            if (stated === undefined) continue;
            const expression = variable.value.trim();
            assert.ok(
                expression.endsWith(`: '${stated}'`) || expression.endsWith(`: ${stated}`),
                `${file}: ${variable.name} defaults to ${stated} in the README, the tab says ${expression}`,
            );
        }
    }
});

test('every node type of the shipped flows comes from Node-RED or a package the README installs into the userDir', async () => {
    const url = started().url;
    assert.deepEqual(await nodeErrors(url), [], 'no node set failed to load');
    const sets = (await listNodeSets(url)) as (NodeSet & { local: boolean })[];
    const provider = new Map(sets.flatMap((set) => set.types.map((type) => [type, set] as const)));
    const named = new Set(npmInstallPackages(INSTALL_SECTION).map((p) => p.name ?? manifest.name));

    const problems: string[] = [];
    for (const [file, nodes] of shippedFlowFiles()) {
        for (const type of new Set(nodes.map((n) => n.type))) {
            if (FLOW_STRUCTURE_TYPES.has(type) || type.startsWith('subflow:')) continue;
            const set = provider.get(type);
            if (set === undefined) problems.push(`${file}: no installed package registers ${type}`);
            else if (set.module !== 'node-red' && !(named.has(set.module) && set.local))
                problems.push(`${file}: ${type} comes from ${set.module}, which the README's install line does not install`);
        }
    }
    assert.deepEqual(problems, []);
    const installed = sets.find((set) => set.module === manifest.name);
    assert.ok(installed?.local, `${manifest.name} is loaded from the userDir`);
    assert.equal(installed.version, manifest.version);
});

test('the shipped flows import from the examples of the installed package, as flows/ holds them, and deploy', async () => {
    const url = started().url;
    const examples = `${url}/library/examples/flows/${manifest.name}/flows`;
    const listing = (await (await fetch(examples)).json()) as { fn: string }[];
    const flowFiles = shippedFlowFiles();
    assert.deepEqual(listing.map((entry) => `${entry.fn}.json`).sort(), [...flowFiles.keys()]);
    const imported: unknown[] = [];
    for (const { fn } of listing) {
        const res = await fetch(`${examples}/${fn}`);
        assert.equal(res.status, 200, `GET the example ${fn}`);
        const flow = JSON.parse(await res.text()) as unknown[];
        assert.deepEqual(flow, flowFiles.get(`${fn}.json`), `the installed ${fn} is flows/${fn}.json`);
        imported.push(...flow);
    }
    await deployFlows(url, imported);
});

test(
    "on /ui the home meter's apparent power is live, and a recipient added on the aberrant tab gets the test mail",
    { timeout: 120_000 },
    async () => {
        const browser = await launchChromium();
        try {
            const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
            await page.goto(`${started().url}/ui/`);
            await page.waitForFunction(
                (title) =>
                    Array.from(document.querySelectorAll('md-card')).some(
                        (card) =>
                            card.querySelector('.nr-dashboard-gauge-title')?.textContent?.trim() === title &&
                            Number(card.querySelector('.nr-dashboard-gauge tspan')?.textContent) > 0,
                    ),
                'Apparent power',
                { timeout: 60_000 },
            );

            await page.click('button[aria-label="menu button"]');
            await page.click('button[aria-label="Aberrant consumption"]');
            const form = page.locator('.aberrant-add-recipient');
            await form.locator('input[type=email]').fill(RECIPIENT);
            await form.locator('button[type=submit]').click();
            await page.locator('.aberrant-recipient-address', { hasText: RECIPIENT }).waitFor({ timeout: 15_000 });
            await page.locator('.aberrant-test-mail button').click();
            const mail = await eventually(() => mailbox.mails.find((m) => m.subject.startsWith('Test mail')), 20_000);
            assert.deepEqual(mail.to, [RECIPIENT]);
        } finally {
            await browser.close();
        }
    },
);

test('InfluxDB receives the frames, in the database the Home Linky flow created', { timeout: 60_000 }, async () => {
    const stored = await eventually(async () => {
        const [result] = await influxQuery(influxUrl, 'energy', 'SELECT count(PAPP) FROM teleinfo').catch(() => [undefined]);
        const count = result?.series?.[0]?.values[0][1];
        return typeof count === 'number' && count > 0 ? count : undefined;
    }, 45_000);
    assert.ok(stored > 0);
});

test("the README's `file` context store keeps the recipients in the userDir once Node-RED stops", async () => {
    await started().stop();
    const contextDir = path.join(userDir, 'context');
    const kept = fs
        .readdirSync(contextDir)
        .map((scope) => path.join(contextDir, scope, 'flow.json'))
        .filter((file) => fs.existsSync(file))
        .flatMap((file) => (JSON.parse(fs.readFileSync(file, 'utf8')) as { recipients?: string[] }).recipients ?? []);
    assert.deepEqual(kept, [RECIPIENT]);
});

test('Node-RED logged no error, and knew every context store the flows name', () => {
    const lines = started().logs().split('\n');
    assert.deepEqual(
        lines.filter((line) => /\[error\]|Unknown context store/.test(line)),
        [],
    );
});
