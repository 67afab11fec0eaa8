/**
 * The retention layout's statements: the continuous queries as influxd prints them back, the
 * by-hand rollup over a time range, and a setup that only does what differs (so it can run at
 * every start). Run against influxd in test/node/influx-history.test.ts.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
    continuousQueries,
    durationHours,
    quoteIdentifier,
    retentionPolicies,
    rollupStatements,
    setupStatements,
    type ExistingLayout,
} from '../../lib/store/retention';

const settings = { database: 'energy', rawDays: 30, rollup1mDays: 400, rollup1hDays: 0 };

test('the continuous queries, in the form SHOW CONTINUOUS QUERIES prints (captured from influxd 1.6.7)', () => {
    assert.deepEqual(
        continuousQueries('energy').map((cq) => [cq.name, cq.create]),
        [
            [
                'rollup_1m',
                'CREATE CONTINUOUS QUERY rollup_1m ON energy RESAMPLE EVERY 1m FOR 2m BEGIN SELECT mean(*), min(*), max(*), first(*), last(*) ' +
                    'INTO energy.rollup_1m.:MEASUREMENT FROM energy.raw./.*/ GROUP BY time(1m), * END',
            ],
            [
                'rollup_1h',
                'CREATE CONTINUOUS QUERY rollup_1h ON energy RESAMPLE EVERY 1h FOR 2h BEGIN SELECT mean(/^mean_/), min(/^min_/), max(/^max_/), first(/^first_/), last(/^last_/) ' +
                    'INTO energy.rollup_1h.:MEASUREMENT FROM energy.rollup_1m./.*/ GROUP BY time(1h), * END',
            ],
        ],
    );
});

test("the rollup statements are the queries' SELECT … INTO over a time range, 1-minute first", () => {
    assert.deepEqual(rollupStatements('energy', 1_700_000_000_000, 1_700_003_600_000), [
        'SELECT mean(*), min(*), max(*), first(*), last(*) INTO energy.rollup_1m.:MEASUREMENT FROM energy.raw./.*/ ' +
            'WHERE time >= 1700000000000ms AND time < 1700003600000ms GROUP BY time(1m), *',
        'SELECT mean(/^mean_/), min(/^min_/), max(/^max_/), first(/^first_/), last(/^last_/) INTO energy.rollup_1h.:MEASUREMENT FROM energy.rollup_1m./.*/ ' +
            'WHERE time >= 1700000000000ms AND time < 1700003600000ms GROUP BY time(1h), *',
    ]);
});

test('identifiers are quoted only when InfluxQL needs it, as influxd prints them', () => {
    assert.equal(quoteIdentifier('energy_2'), 'energy_2');
    assert.equal(quoteIdentifier('home-energy'), '"home-energy"');
    assert.equal(quoteIdentifier('2energy'), '"2energy"');
    assert.equal(quoteIdentifier('select'), '"select"');
    assert.equal(quoteIdentifier('say "hi"'), '"say \\"hi\\""');
    assert.match(
        continuousQueries('home-energy')[0].create,
        /^CREATE CONTINUOUS QUERY rollup_1m ON "home-energy" .* INTO "home-energy".rollup_1m.:MEASUREMENT FROM "home-energy".raw/,
    );
});

test('a new database: everything is created, raw as the default policy, 0 days as forever', () => {
    const empty: ExistingLayout = { databases: ['_internal'], policies: [], continuousQueries: [] };
    assert.deepEqual(setupStatements(settings, empty), [
        'CREATE DATABASE energy',
        'CREATE RETENTION POLICY raw ON energy DURATION 30d REPLICATION 1 DEFAULT',
        'CREATE RETENTION POLICY rollup_1m ON energy DURATION 400d REPLICATION 1',
        'CREATE RETENTION POLICY rollup_1h ON energy DURATION INF REPLICATION 1',
        ...continuousQueries('energy').map((cq) => cq.create),
    ]);
    assert.deepEqual(
        retentionPolicies(settings).map((p) => [p.name, p.days, p.isDefault]),
        [
            ['raw', 30, true],
            ['rollup_1m', 400, false],
            ['rollup_1h', 0, false],
        ],
    );
});

test('a database already in shape: nothing to do', () => {
    const inShape: ExistingLayout = {
        databases: ['energy'],
        policies: [
            { name: 'autogen', duration: '0s', default: false },
            { name: 'raw', duration: '720h0m0s', default: true },
            { name: 'rollup_1m', duration: '9600h0m0s', default: false },
            { name: 'rollup_1h', duration: '0s', default: false },
        ],
        continuousQueries: continuousQueries('energy').map((cq) => ({ name: cq.name, query: cq.create })),
    };
    assert.deepEqual(setupStatements(settings, inShape), []);
});

test('an existing database with other durations, another default and an old query: altered, dropped and created again', () => {
    const drifted: ExistingLayout = {
        databases: ['energy'],
        policies: [
            { name: 'autogen', duration: '0s', default: true },
            { name: 'raw', duration: '168h0m0s', default: false },
            { name: 'rollup_1h', duration: '8760h0m0s', default: false },
        ],
        continuousQueries: [
            {
                name: 'rollup_1m',
                query: 'CREATE CONTINUOUS QUERY rollup_1m ON energy BEGIN SELECT mean(*) INTO energy.rollup_1m.:MEASUREMENT FROM energy.raw./.*/ GROUP BY time(1m), * END',
            },
        ],
    };
    const [cq1m, cq1h] = continuousQueries('energy');
    assert.deepEqual(setupStatements(settings, drifted), [
        'ALTER RETENTION POLICY raw ON energy DURATION 30d DEFAULT',
        'CREATE RETENTION POLICY rollup_1m ON energy DURATION 400d REPLICATION 1',
        'ALTER RETENTION POLICY rollup_1h ON energy DURATION INF',
        'DROP CONTINUOUS QUERY rollup_1m ON energy',
        cq1m.create,
        cq1h.create,
    ]);
});

test('durations as influxd prints them', () => {
    assert.equal(durationHours('720h0m0s'), 720);
    assert.equal(durationHours('0s'), 0);
    assert.equal(durationHours('1h30m0s'), 1.5);
    assert.ok(Number.isNaN(durationHours('30d')));
});
