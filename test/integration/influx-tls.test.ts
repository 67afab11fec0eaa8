/**
 * `influx-server`, `influx-store` and `influx-history` against the real Debian influxd (1.6.7)
 * serving https, in node-red-node-test-helper on Node-RED 4.1 and 5.0, with the core `tls-config`
 * node of each runtime. A throwaway CA, a certificate it signed for 127.0.0.1 and a self-signed
 * one are made with openssl for the run:
 *
 * - a tls-config whose CA certificate is the private CA (or the self-signed certificate itself):
 *   the store's points are in InfluxDB, and influx-history charts them;
 * - no tls-config: the certificate is not trusted; the store says so and keeps every point in its
 *   spool, influx-history's error names the server and says what to do; once a tls-config is
 *   chosen (same node ids, same userDir), each spooled point is written once;
 * - "verify server certificate" unchecked: any certificate is accepted (for testing only);
 * - TLS on against a plain-http influxd, or off against an https one: an error saying so;
 * - a tlsConfig id with no node behind it, or a tls-config that cannot read its CA file: a
 *   configuration error, as for the server's other properties.
 *
 * `RED._` returns keys in the helper, so status texts and errors are asserted on their keys; the
 * values the store puts in its spooling warning are recorded beside them.
 */
import { after, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { NodeAPI } from 'node-red';
import influxHistory = require('../../nodes/influx-history/influx-history');
import influxServer = require('../../nodes/influx-server/influx-server');
import influxStore = require('../../nodes/influx-store/influx-store');
import type { ChartPayload } from '../../lib/store/history-query';
import { Spool } from '../../lib/store/spool';
import { influxQuery, startInfluxd, type Influxd } from '../../scripts/stack/influxd';
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
import { waitFor } from '../support/wait';

type Msg = Record<string, unknown>;
type FlowNode = { id: string; type: string } & Record<string, unknown>;
type TlsConfig = { ca: string; verifyservercert: boolean };

const METER = '021861348497';
const MINUTE = 60_000;
/** Two hours ago, on a 10-minute boundary (Europe/Paris is a whole number of hours from UTC). */
const T0 = Math.floor(Date.now() / (10 * MINUTE)) * 10 * MINUTE - 120 * MINUTE;
/** OpenSSL's words (Node.js's UNABLE_TO_VERIFY_LEAF_SIGNATURE) for a certificate signed by a CA it does not know. */
const UNTRUSTED = 'unable to verify the first certificate';

let workDir: string;
let userDir: string;
/** PEM files made for this run. */
let files: { ca: string; certificate: string; privateKey: string; selfSigned: string; selfSignedKey: string };
/** https with the certificate the private CA signed, https with the self-signed one, and plain http. */
let privateCaInfluxd: Influxd;
let selfSignedInfluxd: Influxd;
let plainInfluxd: Influxd;
/** Each test gets its own databases and node ids (hence spool folders). */
let sequence = 0;

/** The values the store passes RED._ with each key: the helper's RED._ returns the key alone. */
const translations: Translation[] = [];

const influxStoreRecorded = recordingTranslations(influxStore, translations);

function openssl(args: string[]): void {
    execFileSync('openssl', args, { cwd: path.join(workDir, 'tls'), stdio: ['ignore', 'pipe', 'pipe'] });
}

/** A CA, a server certificate it signs, and a self-signed certificate, all EC P-256, valid two days, for 127.0.0.1. */
function makeCertificates(): typeof files {
    const dir = path.join(workDir, 'tls');
    fs.mkdirSync(dir);
    const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    openssl([
        'req',
        '-x509',
        ...key,
        '-keyout',
        'ca.key',
        '-out',
        'ca.pem',
        '-days',
        '2',
        '-subj',
        '/CN=node-red-energy test CA',
        '-addext',
        'basicConstraints=critical,CA:TRUE',
        '-addext',
        'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    openssl(['req', ...key, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
    fs.writeFileSync(
        path.join(dir, 'server.ext'),
        'subjectAltName = IP:127.0.0.1\nbasicConstraints = CA:FALSE\nextendedKeyUsage = serverAuth\n',
    );
    openssl([
        'x509',
        '-req',
        '-in',
        'server.csr',
        '-CA',
        'ca.pem',
        '-CAkey',
        'ca.key',
        '-CAcreateserial',
        '-out',
        'server.pem',
        '-days',
        '2',
        '-extfile',
        'server.ext',
    ]);
    // As a home user makes one: a single command, the address in the subject alternative names.
    openssl([
        'req',
        '-x509',
        ...key,
        '-keyout',
        'self-signed.key',
        '-out',
        'self-signed.pem',
        '-days',
        '2',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName = IP:127.0.0.1',
    ]);
    const file = (name: string) => path.join(dir, name);
    return {
        ca: file('ca.pem'),
        certificate: file('server.pem'),
        privateKey: file('server.key'),
        selfSigned: file('self-signed.pem'),
        selfSignedKey: file('self-signed.key'),
    };
}

before(async () => {
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'influx-tls-test-'));
    userDir = path.join(workDir, 'userDir');
    files = makeCertificates();
    [privateCaInfluxd, selfSignedInfluxd, plainInfluxd] = await Promise.all([
        startInfluxd({
            dataDir: path.join(workDir, 'influxd-private-ca'),
            continuousQueries: false,
            https: { certificate: files.certificate, privateKey: files.privateKey, ca: files.ca },
        }),
        startInfluxd({
            dataDir: path.join(workDir, 'influxd-self-signed'),
            continuousQueries: false,
            https: { certificate: files.selfSigned, privateKey: files.selfSignedKey, ca: files.selfSigned },
        }),
        startInfluxd({ dataDir: path.join(workDir, 'influxd-plain'), continuousQueries: false }),
    ]);
});

after(async () => {
    await Promise.all([privateCaInfluxd, selfSignedInfluxd, plainInfluxd].map((influxd) => influxd?.stop()));
    fs.rmSync(workDir, { recursive: true, force: true });
});

/** The arguments of each call `node` made to one of its methods (the helper spies on them all, on Node's prototype). */
function callsOf(node: unknown, method: 'error' | 'status'): unknown[][] {
    const spy = (node as Record<string, { getCalls(): { thisValue: unknown; args: unknown[] }[] }>)[method];
    return spy
        .getCalls()
        .filter((call) => call.thisValue === node)
        .map((call) => call.args);
}

/** `seq` points of one meter, a minute apart from `from` (ms). */
function points(from: number, seqs: number[]): Msg[] {
    return seqs.map((seq) => ({ topic: METER, payload: { seq }, timestamp: from + seq * MINUTE }));
}

/** How the store and influx-server name a server in their errors. */
const serverName = (influxd: Influxd, database: string) => `InfluxDB ${influxd.host}:${influxd.port}/${database}`;

async function spooledPoints(storeId: string): Promise<number> {
    const spool = new Spool(path.join(userDir, 'energy-spool', storeId));
    try {
        return spool.points;
    } finally {
        await spool.close();
    }
}

describeOnEachRuntime('influx-server, influx-store and influx-history over https', (runtime) => {
    /** This runtime's own core tls-config node, as Node-RED loads it from @node-red/nodes. */
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the runtime under test is chosen per describe block
    const tlsConfigModule = require(require.resolve('@node-red/nodes/core/network/05-tls.js', { paths: [runtime.path] })) as (
        RED: NodeAPI,
    ) => void;
    const nodes = [tlsConfigModule, influxServer, influxStoreRecorded, influxHistory];

    before(() => {
        helper.settings({ userDir });
    });

    /**
     * A fresh database on `influxd` and a flow: server (TLS on or off, with or without a
     * tls-config) → store, server → history → out, a Catch node on both.
     */
    async function tlsFlow(influxd: Influxd, server: { tls: boolean; tlsConfig?: TlsConfig }) {
        const n = ++sequence;
        const database = `tls_${n}`;
        await influxQuery(influxd.url, undefined, `CREATE DATABASE ${database}`);
        const ids = {
            tlsConfig: `tls-config-${n}`,
            server: `tls-server-${n}`,
            store: `tls-store-${n}`,
            history: `tls-history-${n}`,
            out: `tls-out-${n}`,
            caught: `tls-caught-${n}`,
        };
        const flow: FlowNode[] = [
            {
                id: ids.server,
                type: 'influx-server',
                host: '127.0.0.1',
                port: influxd.port,
                database,
                tls: server.tls,
                tlsConfig: server.tlsConfig === undefined ? '' : ids.tlsConfig,
            },
            { id: ids.store, type: 'influx-store', server: ids.server, measurement: 'linky', batchSize: 5, flushInterval: 0.1 },
            {
                id: ids.history,
                type: 'influx-history',
                server: ids.server,
                measurement: 'linky',
                meter: METER,
                fields: [{ name: 'PAPP', kind: 'power', label: '' }],
                wires: [[ids.out]],
            },
            { id: ids.out, type: 'helper' },
            { id: `tls-catch-${n}`, type: 'catch', scope: [ids.store, ids.history], uncaught: false, wires: [[ids.caught]] },
            { id: ids.caught, type: 'helper' },
        ];
        if (server.tlsConfig !== undefined) flow.push(tlsConfigNode(ids.tlsConfig, server.tlsConfig));
        return { database, ids, flow };
    }

    /** A tls-config as the editor saves one whose files are on the Node-RED host. */
    function tlsConfigNode(id: string, { ca, verifyservercert }: TlsConfig): FlowNode {
        return {
            id,
            type: 'tls-config',
            name: '',
            cert: '',
            key: '',
            ca,
            certname: '',
            keyname: '',
            caname: '',
            servername: '',
            verifyservercert,
            alpnprotocol: '',
        };
    }

    async function load(flow: FlowNode[]) {
        await helper.load(nodes, flow);
        translations.length = 0;
    }

    /** The store writes three points (PAPP 1000, 1100, 1200, 10 minutes apart); influx-history charts them. */
    async function writesAndCharts(influxd: Influxd, built: Awaited<ReturnType<typeof tlsFlow>>): Promise<void> {
        const { database, ids } = built;
        const store = helper.getNode(ids.store);
        const history = helper.getNode(ids.history);
        const caught = received(helper.getNode(ids.caught));
        const sent = range(0, 3).map((i) => ({ time: T0 + i * 10 * MINUTE, PAPP: 1000 + 100 * i }));
        for (const { time, PAPP } of sent) store.receive({ topic: METER, payload: { PAPP }, timestamp: time });
        assert.deepEqual(
            await landedRows(influxd.url, database, 'SELECT * FROM linky', sent.length),
            sent.map(({ time, PAPP }) => ({ time: iso(time), meter: METER, PAPP })),
        );
        await statusMatching(store, (s) => s.fill === 'green' && s.shape === 'dot' && s.text === 'influx-store.status.counters');

        const answered = received(helper.getNode(ids.out));
        history.receive({ payload: 'day', end: T0 + 25 * MINUTE });
        await waitFor(() => answered.length > 0, 10_000);
        const [chart] = answered[0].payload as ChartPayload;
        assert.equal(chart.data[0].length, 144);
        assert.deepEqual(
            chart.data[0].slice(141).map((p) => [p.x, p.y]),
            sent.map(({ time, PAPP }) => [time, PAPP]),
        );
        await statusMatching(history, (s) => s.fill === 'green' && s.text === 'influx-history.status.done');
        assert.deepEqual(caught, []);
    }

    /** The message of the error influx-history reports for one request, caught by the Catch node. */
    async function historyError(ids: { history: string; caught: string }): Promise<string> {
        const caught = received(helper.getNode(ids.caught));
        helper.getNode(ids.history).receive({ payload: 'day' });
        await waitFor(() => caught.length > 0, 10_000);
        const error = caught[0].error as { message: string; source: { id: string } };
        assert.equal(error.source.id, ids.history);
        await statusMatching(helper.getNode(ids.history), (s) => s.fill === 'red' && s.text === 'influx-history.status.failed');
        return error.message;
    }

    /**
     * The store takes `count` points it cannot write: the settings are wrong, so its status is a red
     * ring and it reports the reason (catchable), whose wording is returned; it warns once that it
     * spools; the points stay in the spool, none reaches InfluxDB.
     */
    async function spoolsInstead(
        influxd: Influxd,
        database: string,
        storeId: string,
        count: number,
    ): Promise<ReturnType<typeof wordedProblem>> {
        const store = helper.getNode(storeId);
        const warnings = spiedCalls(store, 'call:warn');
        const errors = spiedCalls(store, 'call:error');
        for (const msg of points(T0, range(0, count))) store.receive(msg);
        await statusMatching(
            store,
            (s) => s.fill === 'red' && s.shape === 'ring' && s.text === 'influx-store.status.misconfigured · influx-store.status.counters',
        );
        await waitFor(() => warnings.some(([text]) => text === 'influx-store.log.spooling') && errors.length > 0);
        const spooling = translations.find((t) => t.key === 'influx-store.log.spooling');
        assert.equal(spooling?.values?.points, count);
        assert.equal(spooling?.values?.dir, path.join(userDir, 'energy-spool', storeId));
        assert.deepEqual(await influxRows(influxd.url, database, 'SELECT * FROM linky'), [], 'nothing reached InfluxDB');
        await helper.unload();
        assert.equal(await spooledPoints(storeId), count, 'every point is in the spool');
        // The warning and the catchable error give the same reason, with the advice.
        assert.equal(spooling?.values?.reason, 'influx-store.problem.withAdvice');
        assert.deepEqual(
            errors.map(([text]) => text),
            ['influx-store.errors.misconfigured'],
            'one catchable error',
        );
        assert.deepEqual(translations.find((t) => t.key === 'influx-store.errors.misconfigured')?.values, {
            problem: 'influx-store.problem.withAdvice',
        });
        return wordedProblem(translations);
    }

    /** Restarted with `flow` (the same ids): the spooled points are written, each once, and the spool empties. */
    async function replayedOnce(influxd: Influxd, database: string, storeId: string, flow: FlowNode[], count: number): Promise<void> {
        await load(flow);
        const store = helper.getNode(storeId);
        const logs = spiedCalls(store, 'call:log');
        const found = await landedRows(influxd.url, database, 'SELECT seq FROM linky', count);
        assert.deepEqual(
            found,
            range(0, count).map((seq) => ({ time: iso(T0 + seq * MINUTE), seq })),
            'each point once, at its own time',
        );
        await waitFor(() => logs.some(([text]) => text === 'influx-store.log.spoolEmptied'));
        await helper.unload();
        assert.equal(await spooledPoints(storeId), 0);
    }

    for (const { label, influxd, ca } of [
        { label: 'a private CA: the CA certificate', influxd: () => privateCaInfluxd, ca: () => files.ca },
        { label: 'a self-signed certificate: the certificate itself', influxd: () => selfSignedInfluxd, ca: () => files.selfSigned },
    ]) {
        test(`${label} in a tls-config: the points are written over https, and influx-history charts them`, async () => {
            const built = await tlsFlow(influxd(), { tls: true, tlsConfig: { ca: ca(), verifyservercert: true } });
            await load(built.flow);
            await writesAndCharts(influxd(), built);
        });
    }

    test('no tls-config: the certificate is not trusted, the store keeps the points and says why, influx-history names the server; then a tls-config writes each point once', async () => {
        const { database, ids, flow } = await tlsFlow(privateCaInfluxd, { tls: true });
        await load(flow);
        const message = await historyError(ids);
        assert.equal(message, `Error: ${serverName(privateCaInfluxd, database)}: influx-server.errors.certificateUntrusted (${UNTRUSTED})`);

        const problem = await spoolsInstead(privateCaInfluxd, database, ids.store, 5);
        assert.deepEqual(problem, {
            key: 'influx-store.problem.unreachable',
            values: { server: serverName(privateCaInfluxd, database), status: 0, detail: UNTRUSTED },
            advice: 'influx-store.advice.untrustedCertificate',
        });

        const fixed = flow
            .map((node) => (node.id === ids.server ? { ...node, tlsConfig: ids.tlsConfig } : node))
            .concat(tlsConfigNode(ids.tlsConfig, { ca: files.ca, verifyservercert: true }));
        await replayedOnce(privateCaInfluxd, database, ids.store, fixed, 5);
    });

    test('"verify server certificate" unchecked (for testing only): any certificate is accepted', async () => {
        const built = await tlsFlow(selfSignedInfluxd, { tls: true, tlsConfig: { ca: '', verifyservercert: false } });
        await load(built.flow);
        await writesAndCharts(selfSignedInfluxd, built);
    });

    test('TLS on, InfluxDB on plain http: the store keeps the points, influx-history says InfluxDB does not speak TLS; with TLS off each point is written once', async () => {
        const { database, ids, flow } = await tlsFlow(plainInfluxd, { tls: true });
        await load(flow);
        const message = await historyError(ids);
        assert.ok(message.startsWith(`Error: ${serverName(plainInfluxd, database)}: influx-server.errors.notTls (`), message);
        assert.match(message, /wrong version number/);

        const problem = await spoolsInstead(plainInfluxd, database, ids.store, 4);
        assert.equal(problem?.key, 'influx-store.problem.unreachable');
        assert.equal(problem?.values?.server, serverName(plainInfluxd, database));
        assert.match(String(problem?.values?.detail), /wrong version number/);
        assert.equal(problem?.advice, 'influx-store.advice.notTls');

        const tlsOff = flow.map((node) => (node.id === ids.server ? { ...node, tls: false } : node));
        await replayedOnce(plainInfluxd, database, ids.store, tlsOff, 4);
    });

    test('TLS off, InfluxDB on https: influx-history says InfluxDB expects https', async () => {
        const { database, ids, flow } = await tlsFlow(privateCaInfluxd, { tls: false });
        await load(flow);
        const message = await historyError(ids);
        assert.ok(message.startsWith(`Error: ${serverName(privateCaInfluxd, database)}: influx-server.errors.httpsExpected (`), message);
        assert.match(message, /Client sent an HTTP request to an HTTPS server/);
    });

    test("TLS off, InfluxDB on https: the store keeps the points and says to turn TLS on (influxd's plain-text 400 is not about the points); with TLS on each point is written once", async () => {
        const { database, ids, flow } = await tlsFlow(privateCaInfluxd, { tls: false });
        await load(flow);
        const problem = await spoolsInstead(privateCaInfluxd, database, ids.store, 3);
        assert.equal(problem?.key, 'influx-store.problem.answered');
        assert.deepEqual(
            { ...problem?.values, detail: undefined },
            { server: serverName(privateCaInfluxd, database), status: 400, detail: undefined },
        );
        assert.match(String(problem?.values?.detail), /^Client sent an HTTP request to an HTTPS server\.?$/);
        assert.equal(problem?.advice, 'influx-store.advice.tlsExpected');

        const tlsOn = flow
            .map((node) => (node.id === ids.server ? { ...node, tls: true, tlsConfig: ids.tlsConfig } : node))
            .concat(tlsConfigNode(ids.tlsConfig, { ca: files.ca, verifyservercert: true }));
        await replayedOnce(privateCaInfluxd, database, ids.store, tlsOn, 3);
    });

    test('a tlsConfig with no node behind it, or a tls-config that cannot read its CA file: a configuration error', async () => {
        const missing = await tlsFlow(privateCaInfluxd, { tls: true });
        const server = missing.flow.find((node) => node.type === 'influx-server')!;
        server.tlsConfig = 'no-such-tls-config';
        const unreadable = await tlsFlow(privateCaInfluxd, {
            tls: true,
            tlsConfig: { ca: path.join(workDir, 'tls', 'missing-ca.pem'), verifyservercert: true },
        });
        // One Catch node at most: the helper registers the type once per catch node in the flow.
        await load([...missing.flow, ...unreadable.flow].filter((node) => node.type !== 'catch'));
        for (const [built, key, value] of [
            [missing, 'influx-server.errors.tlsConfig', 'no-such-tls-config'],
            [unreadable, 'influx-server.errors.tlsConfigInvalid', unreadable.ids.tlsConfig],
        ] as const) {
            assert.deepEqual(callsOf(helper.getNode(built.ids.server), 'error'), [[`${key} (tlsConfig: ${JSON.stringify(value)})`]]);
            for (const [user, type] of [
                [built.ids.store, 'influx-store'],
                [built.ids.history, 'influx-history'],
            ]) {
                const node = helper.getNode(user);
                assert.deepEqual(callsOf(node, 'status'), [[{ fill: 'red', shape: 'ring', text: `${type}.errors.serverSettings` }]]);
                const caught = { topic: type, payload: { property: 'server', value: key, reason: `${type}.errors.serverSettings` } };
                assert.deepEqual(callsOf(node, 'error'), [[`${type}.errors.serverSettings (server: ${JSON.stringify(key)})`, caught]]);
            }
        }
    });
});
