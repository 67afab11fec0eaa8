/**
 * One policy for a configuration that cannot be used, the same on every node of the package: a red
 * ring with the reason, one error naming the property and its value raised once the flows have
 * started (so that a Catch node gets it, even on a node without an input), and every message
 * answered with a catchable error, nothing sent on. A config node's refusal is shown by the nodes
 * that use it.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import teleinfoIn = require('../../nodes/teleinfo-in/teleinfo-in');
import holtWinters = require('../../nodes/holt-winters/holt-winters');
import influxServer = require('../../nodes/influx-server/influx-server');
import influxStore = require('../../nodes/influx-store/influx-store');
import influxHistory = require('../../nodes/influx-history/influx-history');
import tariffCost = require('../../nodes/tariff-cost/tariff-cost');
import { describeOnEachRuntime, helper, pastCalls, statusMatching } from '../support/node-red';
import { waitFor } from '../support/wait';

const modules = [teleinfoIn, holtWinters, influxServer, influxStore, influxHistory, tariffCost];

interface BadConfig {
    what: string;
    /** The node under test, without id and wires. */
    node: { type: string } & Record<string, unknown>;
    /** Other nodes of the flow (a config node). */
    others?: ({ id: string; type: string } & Record<string, unknown>)[];
    key: string;
    property: string;
    value: unknown;
}

const server = (props: Record<string, unknown>) => ({
    id: 's1',
    type: 'influx-server',
    host: '127.0.0.1',
    port: 8086,
    database: 'energy',
    ...props,
});
const historyFields = [{ name: 'PAPP', kind: 'power', label: '' }];

const cases: BadConfig[] = [
    {
        what: 'teleinfo-in: an unknown TIC mode',
        node: { type: 'teleinfo-in', source: 'input', mode: 'turbo' },
        key: 'teleinfo-in.errors.mode',
        property: 'mode',
        value: 'turbo',
    },
    // A serial source has no input: the error raised at start is what a Catch node gets.
    {
        what: 'teleinfo-in: a serial source without a port',
        node: { type: 'teleinfo-in', source: 'serial', port: ' ' },
        key: 'teleinfo-in.errors.port',
        property: 'port',
        value: ' ',
    },
    {
        what: 'holt-winters: no season length',
        node: { type: 'holt-winters', seasonLength: '' },
        key: 'holt-winters.errors.required',
        property: 'seasonLength',
        value: '',
    },
    {
        what: 'influx-store: no server',
        node: { type: 'influx-store', server: '' },
        key: 'influx-store.errors.server',
        property: 'server',
        value: '',
    },
    {
        what: 'influx-store: a batch size of 0',
        node: { type: 'influx-store', server: 's1', batchSize: '0' },
        others: [server({})],
        key: 'influx-store.errors.batchSize',
        property: 'batchSize',
        value: '0',
    },
    {
        what: 'influx-history: a server whose port is out of range',
        node: { type: 'influx-history', server: 's1', measurement: 'tic', fields: historyFields },
        others: [server({ port: '99999' })],
        key: 'influx-history.errors.serverSettings',
        property: 'server',
        value: 'influx-server.errors.port',
    },
    {
        what: 'influx-history: an unknown time zone',
        node: { type: 'influx-history', server: 's1', measurement: 'tic', fields: historyFields, timeZone: 'Europe/Atlantis' },
        others: [server({})],
        key: 'influx-history.errors.timeZone',
        property: 'timeZone',
        value: 'Europe/Atlantis',
    },
    {
        what: 'tariff-cost: a series period no tariff prices',
        node: {
            type: 'tariff-cost',
            schedule: '[{"from":"2025-02-01","currency":"EUR","unit":"kWh","subscription":null,"prices":{"base":0.2}}]',
            periods: 'HC,HP',
        },
        key: 'tariff-cost.errors.unpricedPeriods',
        property: 'periods',
        value: 'HC,HP',
    },
];

describeOnEachRuntime('a bad configuration', () => {
    for (const c of cases) {
        test(`${c.what}: red ring with the reason, a catchable error at start and for every message`, async () => {
            const flow = [
                { id: 'n1', ...c.node, wires: c.node.type === 'influx-store' ? [] : [['out']] },
                { id: 'out', type: 'helper' },
                { id: 'c1', type: 'catch', scope: ['n1'], uncaught: false, wires: [['caught']] },
                { id: 'caught', type: 'helper' },
                ...(c.others ?? []),
            ];
            await helper.load(modules, flow);
            const n1 = helper.getNode('n1');
            const status = await statusMatching(n1, (s) => s.fill === 'red');
            assert.deepEqual(status, { fill: 'red', shape: 'ring', text: c.key });

            const error = `${c.key} (${c.property}: ${JSON.stringify(c.value)})`;
            assert.deepEqual(pastCalls(n1, 'error'), [
                [error, { topic: c.node.type, payload: { property: c.property, value: c.value, reason: c.key } }],
            ]);

            n1.receive({ payload: 1 });
            const c1 = helper.getNode('c1');
            await waitFor(() => pastCalls(c1, 'send').length === 2);
            const caught = pastCalls(c1, 'send').map(([msg]) => (msg as { error: { message: string } }).error.message);
            assert.deepEqual(caught, [error, `Error: ${error}`]);
            assert.deepEqual(pastCalls(n1, 'send'), [], 'nothing sent on');
        });
    }

    test('influx-server: its own refusal is logged once, with the property and the value', async () => {
        await helper.load(modules, [server({ host: '' })]);
        const s1 = helper.getNode('s1');
        assert.deepEqual(pastCalls(s1, 'error'), [['influx-server.errors.host (host: "")']]);
    });
});
