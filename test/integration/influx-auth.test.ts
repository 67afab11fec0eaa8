/**
 * `influx-server`, `influx-store` and `influx-history` against the real Debian influxd (1.6.7)
 * with `auth-enabled`, in node-red-node-test-helper on Node-RED 4.1 and 5.0. The nodes log in as
 * a user that is not an admin, set up as the influx-server help says (CREATE USER, then GRANT ALL
 * ON the database), whose name and password are Node-RED credentials of the influx-server node:
 *
 * - with the right password, the store's points are in InfluxDB and influx-history charts them;
 * - with a wrong one, the store turns red ("check the server") and reports the 401 with
 *   node.error, keeps every point in its spool, and once Node-RED restarts with the right
 *   password (same node id, same userDir) writes each of them exactly once, with the points that
 *   came after the restart; influx-history's query fails with a catchable error;
 * - deployed as the editor deploys (the credentials inside the node), the password is in none of
 *   what the runtime gives out: the flows (GET /flows) and the node's credentials (has_password).
 *
 * `RED._` returns keys in the helper, so status texts and errors are asserted on their keys.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import influxHistory = require('../../nodes/influx-history/influx-history');
import influxServer = require('../../nodes/influx-server/influx-server');
import influxStore = require('../../nodes/influx-store/influx-store');
import type { ChartPayload } from '../../lib/store/history-query';
import { Spool } from '../../lib/store/spool';
import { influxQuery, influxString, startInfluxd, type InfluxCredentials, type Influxd } from '../../scripts/stack/influxd';
import { influxRows, iso, landedRows, range } from '../support/influx';
import {
    describeOnEachRuntime,
    helper,
    received,
    recordingTranslations,
    spiedCalls,
    statusMatching,
    wordedProblem,
    type Translation,
} from '../support/node-red';
import { eventually, waitFor } from '../support/wait';

type Msg = Record<string, unknown>;
type FlowNode = { id: string; type: string } & Record<string, unknown>;

const ADMIN: InfluxCredentials = { username: 'admin', password: 'influx-admin-secret' };
/** The nodes' user: not an admin, only granted each test's database. A password with a quote, a colon and accents. */
const USER: InfluxCredentials = { username: 'nodered', password: "c'est l'été: 7 kWh" };
const WRONG_PASSWORD = 'not-the-password-4e1f';
const METER = '021861348497';
const MINUTE = 60_000;
/** Two hours ago, on a 10-minute boundary (Europe/Paris is a whole number of hours from UTC). */
const T0 = Math.floor(Date.now() / (10 * MINUTE)) * 10 * MINUTE - 120 * MINUTE;

let workDir: string;
let userDir: string;
let influxd: Influxd;
/** Each test gets its own database and node ids (hence spool folders). */
let sequence = 0;

before(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'influx-auth-test-'));
    userDir = path.join(workDir, 'userDir');
    influxd = await startInfluxd({ dataDir: path.join(workDir, 'influxd'), continuousQueries: false, auth: ADMIN });
    await influxQuery(influxd.url, undefined, `CREATE USER ${USER.username} WITH PASSWORD ${influxString(USER.password)}`, ADMIN);
});

after(async () => {
    await influxd.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
});

function nextMessage(node: unknown, timeoutMs = 10_000): Promise<Msg> {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no message within ${timeoutMs} ms`)), timeoutMs);
        (node as { once(e: string, cb: (m: Msg) => void): void }).once('input', (m) => {
            clearTimeout(timer);
            resolve(m);
        });
    });
}

/** `seq` points of one meter, a minute apart from `from` (ms). */
function points(from: number, seqs: number[]): Msg[] {
    return seqs.map((seq) => ({ topic: METER, payload: { seq }, timestamp: from + seq * MINUTE }));
}

describeOnEachRuntime('influx-server, influx-store and influx-history on an InfluxDB with authentication', (runtime) => {
    /** The runtime API behind the editor's admin endpoints (GET /flows, GET /credentials/:type/:id). */
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the runtime under test is chosen per describe block
    const runtimeModule: unknown = require(runtime.path);
    const runtimeApi = (
        runtimeModule as {
            runtime: {
                flows: {
                    getFlows(opts: object): Promise<{ flows: FlowNode[] }>;
                    setFlows(opts: { flows: { flows: FlowNode[] }; deploymentType: 'full' }): Promise<{ rev: string }>;
                    getNodeCredentials(opts: { type: string; id: string }): Promise<Record<string, unknown>>;
                };
            };
        }
    ).runtime.flows;

    before(() => {
        helper.settings({ userDir });
    });

    /** A fresh database the nodes' user may write and read, and a flow: server → store, server → history → out, Catch nodes on both. */
    async function authFlow() {
        const n = ++sequence;
        const database = `auth_${n}`;
        await influxQuery(influxd.url, undefined, `CREATE DATABASE ${database}`, ADMIN);
        await influxQuery(influxd.url, undefined, `GRANT ALL ON ${database} TO ${USER.username}`, ADMIN);
        const ids = {
            server: `auth-server-${n}`,
            store: `auth-store-${n}`,
            history: `auth-history-${n}`,
            out: `auth-out-${n}`,
            caught: `auth-caught-${n}`,
        };
        const flow: FlowNode[] = [
            { id: ids.server, type: 'influx-server', host: '127.0.0.1', port: influxd.port, database },
            { id: ids.store, type: 'influx-store', server: ids.server, measurement: 'linky', batchSize: 5, flushInterval: 0.1 },
            {
                id: ids.history,
                type: 'influx-history',
                server: ids.server,
                measurement: 'linky',
                meter: METER,
                fields: [
                    { name: 'PAPP', kind: 'power', label: '' },
                    { name: 'BASE', kind: 'energy', label: '' },
                ],
                energyUnit: 'Wh',
                wires: [[ids.out]],
            },
            { id: ids.out, type: 'helper' },
            { id: `auth-catch-${n}`, type: 'catch', scope: [ids.store, ids.history], uncaught: false, wires: [[ids.caught]] },
            { id: ids.caught, type: 'helper' },
        ];
        const credentials = (password: string) => ({ [ids.server]: { username: USER.username, password } });
        return { database, ids, flow, credentials };
    }

    test('the right credentials: the points are written, and influx-history charts them', async () => {
        const { database, ids, flow, credentials } = await authFlow();
        await helper.load([influxServer, influxStore, influxHistory], flow, credentials(USER.password));
        const store = helper.getNode(ids.store);
        const history = helper.getNode(ids.history);
        // A catchable error (done(err)) goes through node.error too.
        const errors = [...spiedCalls(store, 'call:error'), ...spiedCalls(history, 'call:error')];

        // Three 10-minute intervals of 5 points, 2 minutes apart: PAPP rises 10 VA a point and 100 an
        // interval (means 1020, 1120, 1220), the BASE index 20 Wh a point (100 Wh an interval).
        const sent = range(0, 15).map((i) => ({
            time: T0 + i * 2 * MINUTE,
            PAPP: 1000 + 100 * Math.floor(i / 5) + 10 * (i % 5),
            BASE: 10_000_000 + 20 * i,
        }));
        for (const { time, PAPP, BASE } of sent) store.receive({ topic: METER, payload: { PAPP, BASE }, timestamp: time });
        const found = await landedRows(influxd.url, database, 'SELECT * FROM linky', sent.length, { auth: ADMIN });
        assert.deepEqual(
            found,
            sent.map(({ time, PAPP, BASE }) => ({ time: iso(time), meter: METER, PAPP, BASE })),
        );
        await assert.rejects(
            influxQuery(influxd.url, database, 'SELECT * FROM linky'),
            /HTTP 401/,
            'InfluxDB refuses a query without credentials',
        );
        const status = await statusMatching(store, (s) => s.fill === 'green' && s.text === 'influx-store.status.counters');
        assert.equal(status.shape, 'dot');

        const answer = nextMessage(helper.getNode(ids.out));
        history.receive({ payload: 'day', end: T0 + 25 * MINUTE });
        const msg = await answer;
        const [chart] = msg.payload as ChartPayload;
        assert.deepEqual(chart.series, ['PAPP', 'BASE']);
        assert.equal(chart.data[0].length, 144);
        assert.equal(chart.data[0][143].x, T0 + 20 * MINUTE);
        assert.deepEqual(
            chart.data[0].slice(141).map((p) => p.y),
            [1020, 1120, 1220],
        );
        assert.ok(
            chart.data[0].slice(0, 141).every((p) => p.y === null),
            'nothing before the points',
        );
        // The first interval has no index before it to count its energy from.
        assert.deepEqual(
            chart.data[1].slice(141).map((p) => p.y),
            [null, 100, 100],
        );
        assert.equal((msg.history as { source: string }).source, 'raw');
        await statusMatching(history, (s) => s.fill === 'green' && s.text === 'influx-history.status.done');
        assert.deepEqual(errors, []);
    });

    test('a wrong password: red status and a 401 error, every point kept in the spool, then written once with the right one', async () => {
        const { database, ids, flow, credentials } = await authFlow();
        const spoolDir = path.join(userDir, 'energy-spool', ids.store);
        const from = T0 + 30 * MINUTE;

        const translations: Translation[] = [];
        await helper.load(
            [influxServer, recordingTranslations(influxStore, translations), influxHistory],
            flow,
            credentials(WRONG_PASSWORD),
        );
        const store = helper.getNode(ids.store);
        const errors = spiedCalls(store, 'call:error');
        const caught = received(helper.getNode(ids.caught));
        for (const msg of points(from, range(0, 20))) store.receive(msg);

        const status = await statusMatching(
            store,
            (s) => s.fill === 'red' && s.text === 'influx-store.status.misconfigured · influx-store.status.counters',
        );
        assert.equal(status.shape, 'ring');
        await waitFor(() => errors.length > 0);
        const [reported] = errors[0] as [string];
        assert.equal(reported, 'influx-store.errors.misconfigured');
        assert.deepEqual(wordedProblem(translations), {
            key: 'influx-store.problem.answered',
            values: { server: `InfluxDB ${new URL(influxd.url).host}/${database}`, status: 401, detail: 'authorization failed' },
            advice: 'influx-store.advice.wrongCredentials',
        });
        // No message caused it, yet a Catch node gets it, with the store's counters.
        await waitFor(() => caught.length > 0);
        const fromStore = caught[0];
        assert.equal((fromStore.error as { source: { id: string } }).source.id, ids.store);
        assert.equal(fromStore.influxError, reported);
        assert.equal(fromStore.topic, 'influx-store');
        assert.deepEqual(fromStore.payload, {
            queued: 0,
            written: 0,
            spooled: 20,
            failed: 0,
            refused: 0,
            state: 'misconfigured',
            lastError: 'influx-store.problem.withAdvice',
        });
        // influx-history, on the same server, answers with a catchable error.
        helper.getNode(ids.history).receive({ payload: 'day' });
        await waitFor(() => caught.length > 1);
        const fromHistory = caught[1].error as { message: string; source: { id: string } };
        assert.equal(fromHistory.source.id, ids.history);
        assert.match(fromHistory.message, /authorization failed/);
        await statusMatching(helper.getNode(ids.history), (s) => s.fill === 'red' && s.text === 'influx-history.status.failed');
        for (const text of [reported, JSON.stringify(caught), JSON.stringify(translations)]) {
            assert.ok(!text.includes(WRONG_PASSWORD) && !text.includes(USER.password), `no password in: ${text}`);
        }
        assert.ok(
            fs.readdirSync(spoolDir).some((name) => name.endsWith('.seg')),
            'the spool holds points while the node runs',
        );
        assert.deepEqual(await influxRows(influxd.url, database, 'SELECT * FROM linky', ADMIN), [], 'nothing reached InfluxDB');

        // Node-RED stops: the spool keeps all 20 points.
        await helper.unload();
        const left = new Spool(spoolDir);
        assert.equal(left.points, 20);
        await left.close();

        // Restarted with the right password: the spooled points, and those that come meanwhile.
        await helper.load([influxServer, influxStore, influxHistory], flow, credentials(USER.password));
        const restarted = helper.getNode(ids.store);
        const logs = spiedCalls(restarted, 'call:log');
        const errorsAfter = spiedCalls(restarted, 'call:error');
        for (const msg of points(from, range(20, 30))) restarted.receive(msg);
        const found = await landedRows(influxd.url, database, 'SELECT seq FROM linky', 30, { auth: ADMIN });
        assert.deepEqual(
            found,
            range(0, 30).map((seq) => ({ time: iso(from + seq * MINUTE), seq })),
            'each point once, at its own time',
        );
        await statusMatching(restarted, (s) => s.fill === 'green' && s.shape === 'dot' && s.text === 'influx-store.status.counters');
        assert.ok(logs.some(([text]) => text === 'influx-store.log.spoolEmptied'));
        assert.deepEqual(errorsAfter, []);
        await helper.unload();
        const emptied = new Spool(spoolDir);
        assert.equal(emptied.points, 0);
        await emptied.close();
    });

    test('no credentials at all: the store says InfluxDB asks for them, and keeps the points', async () => {
        const { database, ids, flow } = await authFlow();
        const translations: Translation[] = [];
        await helper.load([influxServer, recordingTranslations(influxStore, translations), influxHistory], flow);
        const store = helper.getNode(ids.store);
        const errors = spiedCalls(store, 'call:error');
        for (const msg of points(T0, range(0, 3))) store.receive(msg);
        await statusMatching(
            store,
            (s) => s.fill === 'red' && s.text === 'influx-store.status.misconfigured · influx-store.status.counters',
        );
        await waitFor(() => errors.length > 0);
        assert.equal(errors[0][0], 'influx-store.errors.misconfigured');
        assert.deepEqual(wordedProblem(translations), {
            key: 'influx-store.problem.answered',
            values: {
                server: `InfluxDB ${new URL(influxd.url).host}/${database}`,
                status: 401,
                detail: 'unable to parse authentication credentials',
            },
            advice: 'influx-store.advice.noCredentials',
        });
        await helper.unload();
        const spool = new Spool(path.join(userDir, 'energy-spool', ids.store));
        try {
            assert.equal(spool.points, 3);
        } finally {
            await spool.close();
        }
    });

    test('deployed as the editor does, the credentials are not in the flows and the password is never given out', async () => {
        const { database, ids, flow } = await authFlow();
        await helper.load([influxServer, influxStore, influxHistory], []);
        // What the editor's Deploy POSTs to /flows: each node's credentials inside it. (The Catch and
        // helper nodes are left out: the helper registers their types only for the flow it loads.)
        const deployed = flow
            .filter((node) => node.type.startsWith('influx-'))
            .map((node) =>
                node.id === ids.server ? { ...node, credentials: { username: USER.username, password: USER.password } } : node,
            );
        await runtimeApi.setFlows({ flows: { flows: deployed }, deploymentType: 'full' });

        const store = await eventually(() => helper.getNode(ids.store) ?? undefined);
        store.receive({ topic: METER, payload: { PAPP: 1500 }, timestamp: T0 });
        assert.deepEqual(await landedRows(influxd.url, database, 'SELECT * FROM linky', 1, { auth: ADMIN }), [
            { time: iso(T0), meter: METER, PAPP: 1500 },
        ]);

        const { flows } = await runtimeApi.getFlows({});
        const server = flows.find((node) => node.id === ids.server);
        assert.deepEqual(server, flow[0], 'the influx-server node as deployed, without its credentials');
        assert.ok(!JSON.stringify(flows).includes(USER.password), 'no password in the flows');
        assert.deepEqual(await runtimeApi.getNodeCredentials({ type: 'influx-server', id: ids.server }), {
            username: USER.username,
            has_password: true,
        });
    });
});
