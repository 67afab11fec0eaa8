/**
 * The node kit without a runtime: property readers, config migrations (the same code the editor
 * runs), and the rate-limited errors.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { ConfigError } from '../../nodes/shared/config-error';
import { energyKit, migrateConfig, type Migration } from '../../nodes/shared/migrations';
import { PropertyReader } from '../../nodes/shared/properties';
import { RateLimitedErrors } from '../../nodes/shared/rate-limited-errors';
import { withinLimits, type NumberLimits } from '../../lib/util/limits';

function refusal(fn: () => unknown): ConfigError {
    try {
        fn();
    } catch (err) {
        assert.ok(err instanceof ConfigError, String(err));
        return err;
    }
    assert.fail('not refused');
}

describe('PropertyReader', () => {
    const read = (saved: Record<string, unknown>) => new PropertyReader('demo-node', saved);

    test('numbers arrive as numbers or as the text the editor saved; empty takes the default', () => {
        assert.equal(read({ n: 5 }).integer('n', { min: 1 }), 5);
        assert.equal(read({ n: ' 7 ' }).integer('n', { min: 1 }), 7);
        assert.equal(read({ n: '' }).integer('n', { min: 1 }, { default: 3 }), 3);
        assert.equal(read({}).number('n', { above: 0 }, { default: 0.5 }), 0.5);
        assert.equal(read({ n: '2.5' }).number('n', { above: 0 }), 2.5);
        assert.equal(read({ n: null }).optionalNumber('n'), undefined);
    });

    test('a refused number names the node key, the property and the value as saved', () => {
        for (const [saved, limits] of [
            [{ n: '1.5' }, { integer: true }],
            [{ n: 0 }, { above: 0 }],
            [{ n: '70000' }, { max: 65535 }],
            [{ n: '-1' }, { min: 0 }],
            [{ n: 'abc' }, {}],
            [{ n: '' }, {}],
            [{ n: 'Infinity' }, {}],
        ] as const) {
            const err = refusal(() => read(saved).number('n', limits));
            assert.equal(err.key, 'demo-node.errors.n');
            assert.equal(err.property, 'n');
            assert.equal(err.value, saved.n);
        }
        assert.equal(refusal(() => read({ n: 'x' }).number('n', {}, { key: 'demo-node.errors.other' })).key, 'demo-node.errors.other');
    });

    test('choices, text, booleans and durations', () => {
        assert.equal(read({}).oneOf('mode', ['a', 'b'], { default: 'a' }), 'a');
        assert.equal(read({ mode: 'b' }).oneOf('mode', ['a', 'b']), 'b');
        assert.equal(refusal(() => read({ mode: 'c' }).oneOf('mode', ['a', 'b'], { default: 'a' })).value, 'c');
        assert.equal(read({ host: ' h ' }).text('host'), 'h');
        assert.equal(refusal(() => read({ host: '  ' }).text('host')).key, 'demo-node.errors.host');
        assert.equal(read({}).optionalText('tag', 'meter'), 'meter');
        assert.equal(read({ tag: '' }).optionalText('tag', 'meter'), '');
        assert.equal(read({ on: 'true' }).boolean('on', false), true);
        assert.equal(read({ on: false }).boolean('on', true), false);
        assert.equal(read({}).boolean('on', true), true);
        assert.equal(refusal(() => read({ on: 'yes' }).boolean('on', false)).value, 'yes');
        assert.equal(read({ every: '1.5' }).durationMs('every', { above: 0 }), 1500);
        assert.equal(read({}).durationMs('every', { above: 0 }, { default: 60_000 }), 60_000);
    });

    test('a time zone is a name the runtime knows; a refused one names the property and the value', () => {
        assert.equal(read({}).timeZone('zone', { default: 'Europe/Paris' }), 'Europe/Paris');
        assert.equal(read({ zone: ' America/Montreal ' }).timeZone('zone'), 'America/Montreal');
        const err = refusal(() => read({ zone: 'Europe/Lutece' }).timeZone('zone', { default: 'Europe/Paris' }));
        assert.equal(err.key, 'demo-node.errors.zone');
        assert.equal(err.value, 'Europe/Lutece');
    });
});

describe('config migrations', () => {
    const migrations: Migration[] = [
        { to: 2, up: (c) => ({ ...c, unit: c.unit ?? 'Wh' }) },
        { to: 3, up: ({ oldName, ...c }) => ({ ...c, newName: oldName }) },
    ];

    test('a config without configVersion is version 1 and runs every migration, in order', () => {
        const saved = { oldName: 'x' };
        assert.deepEqual(energyKit.migrate(saved, migrations), { unit: 'Wh', newName: 'x', configVersion: 3 });
        assert.deepEqual(saved, { oldName: 'x' }, 'the saved config is not changed');
    });

    test('only the migrations above the saved version run; the latest version is left as it is', () => {
        assert.deepEqual(energyKit.migrate({ configVersion: 2, unit: 'kWh', oldName: 'y' }, migrations), {
            configVersion: 3,
            unit: 'kWh',
            newName: 'y',
        });
        assert.deepEqual(energyKit.migrate({ configVersion: 3, newName: 'z' }, migrations), { configVersion: 3, newName: 'z' });
    });

    test('a config saved by a newer release is not downgraded', () => {
        assert.deepEqual(energyKit.migrate({ configVersion: 9, future: true }, migrations), { configVersion: 9, future: true });
    });

    test('influx-store 2: a config saved without numbers takes the new default, float; one saved with auto keeps it', () => {
        assert.deepEqual(migrateConfig('influx-store', { measurement: 'm' }), {
            measurement: 'm',
            numbers: 'float',
            integerFields: '',
            configVersion: 2,
        });
        assert.deepEqual(migrateConfig('influx-store', { numbers: 'auto' }), { numbers: 'auto', integerFields: '', configVersion: 2 });
        assert.deepEqual(migrateConfig('influx-store', { configVersion: 2, numbers: 'auto', integerFields: 'BASE' }), {
            configVersion: 2,
            numbers: 'auto',
            integerFields: 'BASE',
        });
    });

    test('a node type that never changed shape is stamped version 1', () => {
        assert.deepEqual(migrateConfig('no-such-node', { a: 1 }), { a: 1, configVersion: 1 });
        assert.equal(energyKit.latestVersion([]), 1);
    });
});

describe('RateLimitedErrors', () => {
    test('one report per kind per interval, every failure counted, the next report says how many were not reported', () => {
        const errors = new RateLimitedErrors(60_000);
        const reports: [string, number, number][] = [];
        const fail = (kind: string, at: number) => errors.fail(kind, at, (r) => reports.push([kind, at, r.unreported]));
        for (let at = 0; at < 120_000; at += 5000) fail('device', at);
        fail('other', 1000);
        assert.equal(errors.count, 25);
        assert.deepEqual(reports, [
            ['device', 0, 0],
            ['device', 60_000, 11],
            ['other', 1000, 0],
        ]);
    });

    test('the interval is per kind and exact at its bound; a report after a long quiet counts only what came since', () => {
        const errors = new RateLimitedErrors(60_000);
        const reported = (kind: string, at: number) => {
            let unreported: number | undefined;
            errors.fail(kind, at, (r) => (unreported = r.unreported));
            return unreported;
        };
        assert.equal(reported('m v', 0), 0);
        assert.equal(reported('m v', 1000), undefined);
        assert.equal(reported('m v', 59_999), undefined);
        assert.equal(reported('m w', 30_000), 0, 'another kind has its own interval');
        assert.equal(reported('m v', 60_000), 2);
        assert.equal(reported('m v', 60_001), undefined);
        assert.equal(reported('m v', 200_000), 1);
        assert.equal(reported('m v', 300_000), 0);
        assert.equal(errors.count, 8);
    });

    test('past maxKinds every kind starts afresh: kinds that come from messages cannot grow it forever', () => {
        const errors = new RateLimitedErrors(60_000, 2);
        const reported: string[] = [];
        for (const [kind, at] of [
            ['a', 0],
            ['b', 0],
            ['a', 1],
            ['c', 2],
            ['a', 3],
        ] as const)
            errors.fail(kind, at, () => reported.push(kind));
        assert.deepEqual(reported, ['a', 'b', 'c', 'a'], 'a is forgotten with the others once c comes');
    });
});

describe('withinLimits', () => {
    test("the editor's copy (resources/energy-kit.js) agrees with the runtime's on every bound", () => {
        const limits: NumberLimits[] = [
            {},
            { integer: true },
            { min: 1 },
            { max: 28 },
            { above: 0 },
            { below: 1 },
            { integer: true, min: 1, max: 28 },
            { above: 0, below: 1 },
        ];
        const values = [-1, 0, 0.5, 1, 1.5, 2, 28, 28.5, 29, NaN, Infinity, -Infinity];
        for (const l of limits) {
            for (const v of values) assert.equal(energyKit.withinLimits(v, l), withinLimits(v, l), `${v} in ${JSON.stringify(l)}`);
        }
        assert.equal(withinLimits(0, { above: 0 }), false);
        assert.equal(withinLimits(1, { below: 1 }), false);
        assert.equal(withinLimits(28, { integer: true, min: 1, max: 28 }), true);
    });
});
