/**
 * `influx-server`'s queries (made here by influx-history), on Node-RED 4.1 and 5.0, against a
 * plain HTTP server that records each request's Authorization header and answers as told: what
 * credentials go on the wire (none, a username and password, a token alone), and what a query that
 * gets no usable answer (401, 403, 404, a closed port) reports: the server and the problem.
 * `RED._` returns keys in the helper, so errors are asserted on their keys.
 */
import { after, afterEach, before, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import influxHistory = require('../../nodes/influx-history/influx-history');
import influxServer = require('../../nodes/influx-server/influx-server');
import { freePort } from '../../scripts/stack/service';
import { describeOnEachRuntime, helper, received, statusMatching } from '../support/node-red';
import { waitFor } from '../support/wait';

const DATABASE = 'energy';
const EMPTY_RESULT = '{"results":[{"statement_id":0}]}';
const PASSWORD = 's3cret-Ø7';

/** The Authorization header of each /query request (undefined when none), and the answer to give them. */
const queries: (string | undefined)[] = [];
let answer = { status: 200, body: EMPTY_RESULT };
let recorder: http.Server;
let port: number;
let sequence = 0;

before(async () => {
    recorder = http.createServer((req, res) => {
        req.resume();
        req.on('end', () => {
            if (req.url?.startsWith('/ping')) {
                res.writeHead(204);
                res.end();
                return;
            }
            if (req.url?.startsWith('/query')) queries.push(req.headers.authorization);
            res.writeHead(answer.status, { 'content-type': 'application/json' });
            res.end(answer.body);
        });
    });
    await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
    port = (recorder.address() as { port: number }).port;
});

after(async () => {
    await new Promise((resolve) => recorder.close(resolve));
});

afterEach(() => {
    queries.length = 0;
    answer = { status: 200, body: EMPTY_RESULT };
});

const basic = (userAndPassword: string) => `Basic ${Buffer.from(userAndPassword).toString('base64')}`;

describeOnEachRuntime('influx-server', () => {
    /** An influx-server on `serverPort` with these credentials, an influx-history using it, and a catch node on the history. */
    async function historyFlow(credentials: { username?: string; password?: string } | undefined, serverPort = port, version = '1.x') {
        const n = ++sequence;
        const ids = { server: `server-${n}`, history: `history-${n}`, out: `out-${n}`, caught: `caught-${n}` };
        const flow: ({ id: string; type: string } & Record<string, unknown>)[] = [
            { id: ids.server, type: 'influx-server', host: '127.0.0.1', port: serverPort, database: DATABASE, version },
            {
                id: ids.history,
                type: 'influx-history',
                server: ids.server,
                measurement: 'linky',
                fields: [{ name: 'PAPP', kind: 'power', label: '' }],
                wires: [[ids.out]],
            },
            { id: ids.out, type: 'helper' },
            { id: `catch-${n}`, type: 'catch', scope: [ids.history], uncaught: false, wires: [[ids.caught]] },
            { id: ids.caught, type: 'helper' },
        ];
        await helper.load([influxServer, influxHistory], flow, credentials === undefined ? {} : { [ids.server]: credentials });
        return {
            history: helper.getNode(ids.history),
            out: received(helper.getNode(ids.out)),
            caught: received(helper.getNode(ids.caught)),
        };
    }

    /** The message of the error influx-history reports for one request. */
    async function historyError(flow: Awaited<ReturnType<typeof historyFlow>>): Promise<string> {
        const seen = flow.caught.length;
        flow.history.receive({ payload: 'day' });
        await waitFor(() => flow.caught.length > seen, 10_000);
        return (flow.caught[seen].error as { message: string }).message;
    }

    for (const { label, credentials, version, authorization } of [
        { label: 'no credentials: no Authorization header', credentials: undefined, version: '1.x', authorization: undefined },
        {
            label: 'a username and password: exactly them',
            credentials: { username: 'reader', password: PASSWORD },
            version: '1.x',
            authorization: basic(`reader:${PASSWORD}`),
        },
        {
            label: 'a password alone on 1.x: an empty username and the password',
            credentials: { password: PASSWORD },
            version: '1.x',
            authorization: basic(`:${PASSWORD}`),
        },
        {
            label: 'a password alone on 2.x: the API token in the Token scheme',
            credentials: { password: 'my-api-token' },
            version: '2.x-v1',
            authorization: 'Token my-api-token',
        },
        {
            label: 'a username and password on 2.x (a v1 authorization): exactly them',
            credentials: { username: 'reader', password: PASSWORD },
            version: '2.x-v1',
            authorization: basic(`reader:${PASSWORD}`),
        },
    ]) {
        test(`queries with ${label}`, async () => {
            const flow = await historyFlow(credentials, port, version);
            flow.history.receive({ payload: 'day' });
            await waitFor(() => flow.out.length === 1, 10_000);
            // On 1.x the policies, then the chart's query; 2.x has no policies of its own to list.
            const expected = version === '1.x' ? [authorization, authorization] : [authorization];
            assert.deepEqual(queries, expected);
            assert.deepEqual(flow.caught, []);
        });
    }

    test("401 with credentials: the server, the credentials refused in plain words, InfluxDB's own words, never the password", async () => {
        answer = { status: 401, body: '{"error":"authorization failed"}' };
        const flow = await historyFlow({ username: 'reader', password: PASSWORD });
        const message = await historyError(flow);
        assert.ok(message.startsWith(`Error: InfluxDB 127.0.0.1:${port}/${DATABASE}: influx-server.errors.credentialsRefused `), message);
        assert.match(message, /authorization failed/);
        assert.ok(!message.includes(PASSWORD) && !message.includes(basic(`reader:${PASSWORD}`).slice(6)), message);
        await statusMatching(flow.history, (s) => s.fill === 'red' && s.text === 'influx-history.status.failed');
        assert.equal(flow.out.length, 0);
    });

    test('401 with a 2.x token: the token refused, never the token itself', async () => {
        answer = { status: 401, body: '{"code":"unauthorized","message":"Unauthorized"}' };
        const flow = await historyFlow({ password: 'my-api-token' }, port, '2.x-v1');
        const message = await historyError(flow);
        assert.ok(message.startsWith(`Error: InfluxDB 127.0.0.1:${port}/${DATABASE}: influx-server.errors.credentialsRefused `), message);
        assert.ok(!message.includes('my-api-token'), message);
    });

    test('401 without credentials: the server needs some; 403: the user may not run the statement; 404: the status and the statement', async () => {
        answer = { status: 401, body: '{"error":"unable to parse authentication credentials"}' };
        const flow = await historyFlow(undefined);
        const needed = await historyError(flow);
        assert.ok(needed.startsWith(`Error: InfluxDB 127.0.0.1:${port}/${DATABASE}: influx-server.errors.credentialsNeeded `), needed);

        answer = {
            status: 403,
            body: '{"error":"error authorizing query: reader not authorized to execute statement \'SHOW RETENTION POLICIES ON energy\', requires READ on energy"}',
        };
        const forbidden = await historyError(flow);
        assert.ok(forbidden.startsWith(`Error: InfluxDB 127.0.0.1:${port}/${DATABASE}: influx-server.errors.forbidden `), forbidden);
        assert.match(forbidden, /requires READ on energy/);

        answer = { status: 404, body: '404 page not found' };
        const notFound = await historyError(flow);
        assert.ok(notFound.startsWith(`Error: InfluxDB 127.0.0.1:${port}/${DATABASE}: `), notFound);
        assert.match(notFound, /404 Not Found.*404 page not found.*\(SHOW RETENTION POLICIES ON energy\)$/);
    });

    test('a closed port: the server and the refused connection, on each query, not only the first', async () => {
        const closed = await freePort();
        const flow = await historyFlow(undefined, closed);
        for (let i = 0; i < 3; i++) {
            const message = await historyError(flow);
            assert.ok(message.startsWith(`Error: InfluxDB 127.0.0.1:${closed}/${DATABASE}: `), message);
            assert.match(message, /ECONNREFUSED/);
        }
    });
});
