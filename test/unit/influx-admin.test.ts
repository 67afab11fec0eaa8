/**
 * InfluxAdmin against a local HTTP server that records each /query request (its statement and
 * Authorization header) and answers as each test tells it: the statements it builds, the
 * credentials it sends, how each kind of failure is reported, and the retention set-up's retries
 * and stop. Against a real influxd: test/node/influx-history, influx-store and influx-server, and
 * test/integration/influx-auth and influx-tls.
 */
import { after, afterEach, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import { InfluxAdmin, InfluxAdminError, type InfluxAdminOptions, type InfluxFailure } from '../../lib/store/influx-admin';
import { continuousQueries, rollupStatements, setupStatements } from '../../lib/store/retention';
import { freePort } from '../../scripts/stack/service';
import { waitFor } from '../support/wait';

interface Answer {
    status: number;
    body: string;
}

const EMPTY_RESULT = '{"results":[{"statement_id":0}]}';
const PASSWORD = 's3cret-Ø7';
const RETENTION = { database: 'energy', rawDays: 30, rollup1mDays: 400, rollup1hDays: 0 };
const HOUR = 3_600_000;

/** The statement and Authorization header of each /query request, in order. */
const queries: { statement: string; authorization?: string }[] = [];
/** How the server answers a statement, at once or later; `undefined` leaves the request unanswered. */
let answerTo: (statement: string) => Answer | Promise<Answer> | undefined = () => ({ status: 200, body: EMPTY_RESULT });
let recorder: http.Server;
let port: number;
/** The services a test made, closed after it. */
const made: InfluxAdmin[] = [];

before(async () => {
    recorder = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
            const statement = new URLSearchParams(Buffer.concat(chunks).toString()).get('q') ?? '';
            queries.push({ statement, authorization: req.headers.authorization });
            const answer = answerTo(statement);
            if (answer === undefined) return;
            void Promise.resolve(answer).then(({ status, body }) => {
                res.writeHead(status, { 'content-type': 'application/json' });
                res.end(body);
            });
        });
    });
    await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
    port = (recorder.address() as { port: number }).port;
});

after(async () => {
    recorder.closeAllConnections();
    await new Promise((resolve) => recorder.close(resolve));
});

afterEach(() => {
    for (const admin of made.splice(0)) admin.close();
    queries.length = 0;
    answerTo = () => ({ status: 200, body: EMPTY_RESULT });
});

function adminOf(options: Partial<InfluxAdminOptions> = {}): InfluxAdmin {
    const admin = new InfluxAdmin({
        host: '127.0.0.1',
        port,
        database: 'energy',
        tls: false,
        version: '1.x',
        retentionPolicy: undefined,
        retention: undefined,
        ...options,
    });
    made.push(admin);
    return admin;
}

/** A statement's answer with one series. */
function series(name: string, columns: string[], values: unknown[][]): Answer {
    return { status: 200, body: JSON.stringify({ results: [{ statement_id: 0, series: [{ name, columns, values }] }] }) };
}

/** What `execute` rejects with. */
async function failureOf(admin: InfluxAdmin, statement = 'SHOW DATABASES'): Promise<InfluxAdminError> {
    const err = await admin.execute(statement).then(
        () => assert.fail('no failure'),
        (e: unknown) => e,
    );
    assert.ok(err instanceof InfluxAdminError, String(err));
    return err;
}

const basic = (userAndPassword: string) => `Basic ${Buffer.from(userAndPassword).toString('base64')}`;

test('credentials on the wire, and the same for the writer: none (never root:root), Basic, or a 2.x token', async () => {
    const reader = { username: 'reader', password: PASSWORD };
    const token = 'my-api-token';
    for (const { credentials, version, authorization, connection } of [
        { credentials: {}, version: '1.x', authorization: undefined, connection: {} },
        { credentials: { username: '', password: '' }, version: '1.x', authorization: undefined, connection: {} },
        { credentials: reader, version: '1.x', authorization: basic(`reader:${PASSWORD}`), connection: reader },
        {
            credentials: { password: PASSWORD },
            version: '1.x',
            authorization: basic(`:${PASSWORD}`),
            connection: { ...reader, username: '' },
        },
        { credentials: { password: token }, version: '2.x-v1', authorization: `Token ${token}`, connection: { token } },
        { credentials: reader, version: '2.x-v1', authorization: basic(`reader:${PASSWORD}`), connection: reader },
    ] as const) {
        queries.length = 0;
        const admin = adminOf({ ...credentials, version });
        await admin.execute('SHOW DATABASES');
        assert.deepEqual(queries, [{ statement: 'SHOW DATABASES', authorization }], JSON.stringify(credentials));
        const { username, password, token } = admin.connection;
        assert.deepEqual(JSON.parse(JSON.stringify({ username, password, token })), connection, JSON.stringify(credentials));
    }
});

test('the connection the writer takes, and the name errors give the server; an IPv6 address in brackets', async () => {
    const tlsOptions = { ca: 'PEM', rejectUnauthorized: true };
    const admin = adminOf({ host: 'influx.lan', port: 8443, tls: true, tlsOptions, retentionPolicy: 'raw' });
    assert.deepEqual(admin.connection, {
        url: 'https://influx.lan:8443',
        database: 'energy',
        retentionPolicy: 'raw',
        username: undefined,
        password: undefined,
        token: undefined,
        tls: tlsOptions,
    });
    const closed = await freePort();
    const v6 = adminOf({ host: '::1', port: closed });
    assert.equal(v6.connection.url, `http://[::1]:${closed}`);
    assert.equal((await failureOf(v6)).server, `InfluxDB [::1]:${closed}/energy`);
});

test('field keys: of the default policy, or of the one points are written to (quoted when InfluxQL needs it)', async () => {
    const keys = series('linky', ['fieldKey', 'fieldType'], [['PAPP', 'integer']]);
    answerTo = () => keys;
    assert.deepEqual(await adminOf().fieldKeys(), [{ name: 'linky', columns: ['fieldKey', 'fieldType'], values: [['PAPP', 'integer']] }]);
    answerTo = () => ({ status: 200, body: EMPTY_RESULT });
    assert.deepEqual(await adminOf({ retentionPolicy: 'raw' }).fieldKeys(), []);
    await adminOf({ retentionPolicy: 'one year' }).fieldKeys();
    assert.deepEqual(
        queries.map((q) => q.statement),
        ['SHOW FIELD KEYS', 'SHOW FIELD KEYS FROM raw./.*/', 'SHOW FIELD KEYS FROM "one year"./.*/'],
    );
});

test("available policies: the raw policy's days; the rollups only when the service fills them; none asked of 2.x", async () => {
    answerTo = () =>
        series(
            '',
            ['name', 'duration', 'shardGroupDuration', 'replicaN', 'default'],
            [
                ['autogen', '0s', '168h0m0s', 1, false],
                ['raw', '720h0m0s', '24h0m0s', 1, true],
                ['rollup_1m', '9600h0m0s', '168h0m0s', 1, false],
                ['rollup_1h', '0s', '168h0m0s', 1, false],
            ],
        );
    assert.deepEqual(await adminOf().availablePolicies(), { raw: { policy: undefined, days: 30 } });
    assert.deepEqual(await adminOf({ retentionPolicy: 'autogen' }).availablePolicies(), { raw: { policy: 'autogen', days: 0 } });
    assert.deepEqual(await adminOf({ retentionPolicy: 'raw', retention: RETENTION }).availablePolicies(), {
        raw: { policy: 'raw', days: 30 },
        rollup_1m: { days: 400 },
        rollup_1h: { days: 0 },
    });
    assert.deepEqual(
        queries.map((q) => q.statement),
        Array(3).fill('SHOW RETENTION POLICIES ON energy'),
    );
    queries.length = 0;
    const bucket = adminOf({ version: '2.x-v1', retentionPolicy: 'autogen' });
    assert.deepEqual(await bucket.availablePolicies(), { raw: { policy: 'autogen', days: 0 } });
    assert.deepEqual(queries, []);
});

test('roll-up: the continuous queries over the whole hours around the range, then an event; nothing unless managed', async () => {
    const admin = adminOf({ retentionPolicy: 'raw', retention: RETENTION });
    const rolled: number[][] = [];
    admin.on('rolledUp', (from, to) => rolled.push([from, to]));
    const hour = 1_700_002_800_000;
    await admin.rollUp(hour + 60_000, hour + HOUR + 1000);
    assert.deepEqual(
        queries.map((q) => q.statement),
        rollupStatements('energy', hour, hour + 2 * HOUR),
    );
    assert.deepEqual(rolled, [[hour, hour + 2 * HOUR]]);
    queries.length = 0;
    await adminOf().rollUp(hour, hour + HOUR);
    assert.deepEqual(queries, []);
});

test("HTTP statuses: 401 with or without credentials, 403, 404; InfluxDB's words verbatim, never a password", async () => {
    const expect = async (admin: InfluxAdmin, answer: Answer, failure: InfluxFailure, detail: string) => {
        answerTo = () => answer;
        const err = await failureOf(admin, 'SHOW RETENTION POLICIES ON energy');
        assert.deepEqual(
            { server: err.server, failure: err.failure, detail: err.detail, statement: err.statement },
            {
                server: `InfluxDB 127.0.0.1:${port}/energy`,
                failure,
                detail,
                statement: 'SHOW RETENTION POLICIES ON energy',
            },
        );
        assert.ok(!err.message.includes(PASSWORD) && !err.message.includes('my-api-token'), err.message);
    };
    const refused = { status: 401, body: '{"error":"authorization failed"}' };
    const refusedFailure = { reason: 'status', status: 401, credentials: true } as const;
    const refusedDetail = '401 Unauthorized: {"error":"authorization failed"}';
    await expect(adminOf({ username: 'reader', password: PASSWORD }), refused, refusedFailure, refusedDetail);
    await expect(adminOf({ password: 'my-api-token', version: '2.x-v1' }), refused, refusedFailure, refusedDetail);
    await expect(
        adminOf(),
        { status: 401, body: '{"error":"unable to parse authentication credentials"}' },
        { reason: 'status', status: 401, credentials: false },
        '401 Unauthorized: {"error":"unable to parse authentication credentials"}',
    );
    await expect(
        adminOf({ username: 'reader', password: PASSWORD }),
        { status: 403, body: '{"error":"reader not authorized to execute statement"}' },
        { reason: 'status', status: 403, credentials: true },
        '403 Forbidden: {"error":"reader not authorized to execute statement"}',
    );
    await expect(
        adminOf(),
        { status: 404, body: '404 page not found\n' },
        { reason: 'status', status: 404, credentials: false },
        '404 Not Found: 404 page not found',
    );
});

test("InfluxDB's own errors, a 5xx, and an answer that is not InfluxDB's", async () => {
    const admin = adminOf();
    answerTo = () => ({ status: 200, body: '{"results":[{"statement_id":0,"error":"database not found: energy"}]}' });
    const influxql = await failureOf(admin, 'SELECT * FROM linky');
    assert.deepEqual(
        [influxql.failure, influxql.detail, influxql.statement],
        [{ reason: 'influxql' }, 'database not found: energy', 'SELECT * FROM linky'],
    );
    answerTo = () => ({ status: 200, body: '{"error":"error parsing query: found EOF"}' });
    assert.equal((await failureOf(admin)).detail, 'error parsing query: found EOF');
    answerTo = () => ({ status: 503, body: 'down for maintenance' });
    const unavailable = await failureOf(admin);
    assert.deepEqual([unavailable.failure, unavailable.detail], [{ reason: 'server error' }, 'Service Unavailable']);
    answerTo = () => ({ status: 200, body: '<html>proxy login</html>' });
    assert.deepEqual((await failureOf(admin)).failure, { reason: 'unreadable' });
});

test('no answer: a closed port (each time, not only the first), a server that says nothing within the timeout', async () => {
    const closed = adminOf({ port: await freePort() });
    for (let i = 0; i < 3; i++) {
        const err = await failureOf(closed);
        assert.deepEqual(err.failure, { reason: 'unreachable', code: 'ECONNREFUSED' });
        assert.match(err.detail, /ECONNREFUSED/);
    }
    answerTo = () => undefined;
    const err = await failureOf(adminOf({ requestTimeoutMs: 100 }));
    assert.deepEqual(err.failure, { reason: 'timeout', ms: 100 });
});

test("TLS settings that do not match the server's: TLS on against plain http, plain http against a TLS port", async () => {
    const notTls = await failureOf(adminOf({ tls: true }));
    assert.deepEqual(notTls.failure, { reason: 'tls', problem: 'not tls' });
    assert.match(notTls.detail, /^write EPROTO .*wrong version number/);
    // What influxd (Go's HTTP server) answers a plain request on its TLS port.
    answerTo = () => ({ status: 400, body: 'Client sent an HTTP request to an HTTPS server.\n' });
    const tlsExpected = await failureOf(adminOf());
    assert.deepEqual(
        [tlsExpected.failure, tlsExpected.detail],
        [{ reason: 'tls', problem: 'tls expected' }, '400 Bad Request: Client sent an HTTP request to an HTTPS server.'],
    );
});

/** Answers SHOW DATABASES, SHOW RETENTION POLICIES and SHOW CONTINUOUS QUERIES as an influxd where `energy` is in shape, or missing. */
function layoutAnswers(inShape: boolean): (statement: string) => Answer {
    return (statement) => {
        if (statement === 'SHOW DATABASES') return series('databases', ['name'], inShape ? [['_internal'], ['energy']] : [['_internal']]);
        if (statement.startsWith('SHOW RETENTION POLICIES')) {
            return series(
                '',
                ['name', 'duration', 'shardGroupDuration', 'replicaN', 'default'],
                [
                    ['raw', '720h0m0s', '24h0m0s', 1, true],
                    ['rollup_1m', '9600h0m0s', '168h0m0s', 1, false],
                    ['rollup_1h', '0s', '168h0m0s', 1, false],
                ],
            );
        }
        if (statement === 'SHOW CONTINUOUS QUERIES') {
            return series(
                'energy',
                ['name', 'query'],
                continuousQueries('energy').map((cq) => [cq.name, cq.create]),
            );
        }
        return { status: 200, body: EMPTY_RESULT };
    };
}

/** A service that manages retention, with its events recorded. */
function managed(options: Partial<InfluxAdminOptions> = {}) {
    const admin = adminOf({ retentionPolicy: 'raw', retention: RETENTION, retentionRetryMinMs: 20, retentionRetryMaxMs: 80, ...options });
    const events: unknown[][] = [];
    admin.on('retentionStatement', (statement) => events.push(['statement', statement]));
    admin.on('retentionFailed', (err, retryInMs) => events.push(['failed', (err as InfluxAdminError).failure, retryInMs]));
    admin.on('retentionRecovered', () => events.push(['recovered']));
    return { admin, events };
}

test('retention set-up: what is missing is created, each statement reported; on a database in shape, nothing', async () => {
    answerTo = layoutAnswers(false);
    const created = managed();
    created.admin.setUpRetention();
    const expected = setupStatements(RETENTION, { databases: ['_internal'], policies: [], continuousQueries: [] });
    await waitFor(() => created.events.length === expected.length);
    assert.deepEqual(
        created.events,
        expected.map((statement) => ['statement', statement]),
    );
    assert.deepEqual(
        queries.map((q) => q.statement),
        ['SHOW DATABASES', ...expected],
    );

    queries.length = 0;
    answerTo = layoutAnswers(true);
    const inShape = managed();
    inShape.admin.setUpRetention();
    await waitFor(() => queries.length === 3);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(
        queries.map((q) => q.statement),
        ['SHOW DATABASES', 'SHOW RETENTION POLICIES ON energy', 'SHOW CONTINUOUS QUERIES'],
    );
    assert.deepEqual(inShape.events, []);
});

test('retention set-up: retried, the delay doubling up to a maximum; a report per distinct failure in a row, and on recovery', async () => {
    const unavailable: Answer = { status: 503, body: '' };
    const refused: Answer = { status: 401, body: '{"error":"authorization failed"}' };
    const failures = [unavailable, refused, refused, unavailable, unavailable];
    let attempts = 0;
    const inShape = layoutAnswers(true);
    answerTo = (statement) => {
        if (statement === 'SHOW DATABASES') attempts++;
        return failures[attempts - 1] ?? inShape(statement);
    };
    const { admin, events } = managed({ username: 'admin', password: PASSWORD, retentionRetryMinMs: 10, retentionRetryMaxMs: 60 });
    admin.setUpRetention();
    await waitFor(() => events.some(([kind]) => kind === 'recovered'));
    // The five failed attempts wait 10, 20, 40, 60 and 60 ms.
    assert.deepEqual(events, [
        ['failed', { reason: 'server error' }, 10],
        ['failed', { reason: 'status', status: 401, credentials: true }, 20],
        ['failed', { reason: 'server error' }, 60],
        ['recovered'],
    ]);
    assert.equal(attempts, 6);
});

test('retention set-up: close stops it, between attempts or during one; nothing runs or is reported after', async () => {
    answerTo = () => ({ status: 503, body: '' });
    const failing = managed();
    failing.admin.setUpRetention();
    await waitFor(() => failing.events.length === 1);
    failing.admin.close();
    const seen = queries.length;
    failing.admin.setUpRetention();
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(queries.length, seen, 'no attempt after close, nor once asked again');
    assert.equal(failing.events.length, 1);

    // Closed while SHOW DATABASES is unanswered: its answer comes after, and nothing is created, retried or reported.
    for (const answer of [layoutAnswers(false), () => ({ status: 503, body: '' })]) {
        queries.length = 0;
        let release = () => {};
        const held = new Promise<void>((resolve) => (release = resolve));
        answerTo = (statement) => (statement === 'SHOW DATABASES' ? held.then(() => answer(statement)) : answer(statement));
        const inFlight = managed();
        inFlight.admin.setUpRetention();
        await waitFor(() => queries.length === 1);
        inFlight.admin.close();
        release();
        await new Promise((resolve) => setTimeout(resolve, 200));
        assert.deepEqual(
            queries.map((q) => q.statement),
            ['SHOW DATABASES'],
        );
        assert.deepEqual(inFlight.events, []);
    }
});
