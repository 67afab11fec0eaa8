/**
 * The history views' plans and charts, without InfluxDB: local-time arithmetic across daylight
 * saving changes, the bucket layout of each range, the policy read, the InfluxQL text, and the
 * rows turned into ui_chart data (energy from index differences, power averaged), and the samples
 * output's epoch-aligned window. Checked against
 * influxd in test/node/influx-history.test.ts.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
    chartOf,
    columnName,
    HistoryRequestError,
    planHistory,
    planSamples,
    samplesOf,
    type HistoryRequest,
    type SamplesRequest,
} from '../../lib/store/history-query';
import { TimeZone } from '../../lib/util/time-zone';

const paris = new TimeZone('Europe/Paris');
const at = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;

function request(overrides: Partial<HistoryRequest> = {}): HistoryRequest {
    return {
        range: 'day',
        end: at('2024-04-05T12:34:56+02:00'),
        timeZone: 'Europe/Paris',
        measurement: 'linky',
        meterTag: 'meter',
        meter: '021861348497',
        fields: [
            { name: 'PAPP', kind: 'power' },
            { name: 'BASE', kind: 'energy', label: 'Energy' },
        ],
        available: { raw: { days: 0 } },
        energyScale: 0.001,
        ...overrides,
    };
}

test('time zone: offsets, local midnights and months across both daylight saving changes', () => {
    assert.equal(paris.offset(at('2024-01-15T12:00:00Z')), HOUR);
    assert.equal(paris.offset(at('2024-07-15T12:00:00Z')), 2 * HOUR);
    assert.equal(paris.startOfDay(at('2024-03-31T23:30:00+02:00')), at('2024-03-31T00:00:00+01:00'));
    assert.equal(paris.addDays(at('2024-03-31T12:00:00+02:00'), 1) - paris.startOfDay(at('2024-03-31T12:00:00+02:00')), 23 * HOUR);
    assert.equal(paris.addDays(at('2024-10-27T12:00:00+01:00'), 1) - paris.startOfDay(at('2024-10-27T12:00:00+01:00')), 25 * HOUR);
    assert.equal(paris.addMonths(at('2024-12-15T00:00:00+01:00'), 1), at('2025-01-01T00:00:00+01:00'));
    assert.equal(paris.addMonths(at('2024-03-15T00:00:00+01:00'), -3), at('2023-12-01T00:00:00+01:00'));
    // 02:30 happens twice on 27 October: the first one (still summer time).
    assert.equal(paris.instant(2024, 10, 27, 2, 30), at('2024-10-27T02:30:00+02:00'));
    // 02:30 does not happen on 31 March: moved on by the hour skipped, as a clock not yet set forward reads it.
    assert.equal(paris.instant(2024, 3, 31, 2, 30), at('2024-03-31T03:30:00+02:00'));
    // Where the clocks jump at midnight, the day starts at 01:00.
    assert.equal(new TimeZone('America/Santiago').startOfDay(at('2024-09-08T12:00:00-03:00')), at('2024-09-08T01:00:00-03:00'));
    // Buckets shorter than a day follow the local clock, as tz() aligns them: on the half hour in India.
    assert.equal(new TimeZone('Asia/Kolkata').floor(at('2024-01-01T10:15:00Z'), HOUR), at('2024-01-01T09:30:00Z'));
});

test('day: 144 ten-minute intervals ending with the one holding `end`, from raw, with one bucket before', () => {
    const plan = planHistory(request());
    assert.equal(plan.source, 'raw');
    assert.equal(plan.bucket, '10m');
    assert.equal(plan.bounds.length, 145);
    assert.equal(plan.bounds[144], at('2024-04-05T12:40:00+02:00'));
    assert.equal(plan.bounds[0], at('2024-04-04T12:40:00+02:00'));
    assert.equal(
        plan.query,
        'SELECT mean("PAPP") AS "PAPP", last("BASE") AS "BASE" FROM "linky" WHERE "meter" = \'021861348497\' AND ' +
            `time >= ${at('2024-04-04T12:30:00+02:00')}ms AND time < ${at('2024-04-05T12:40:00+02:00')}ms GROUP BY time(10m) fill(none) tz('Europe/Paris')`,
    );
});

test('week: 168 hours, from rollup_1m when it exists, reading its mean_ and last_ columns', () => {
    const plan = planHistory(
        request({ range: 'week', available: { raw: { policy: 'raw', days: 30 }, rollup_1m: { days: 400 }, rollup_1h: { days: 0 } } }),
    );
    assert.equal(plan.source, 'rollup_1m');
    assert.equal(plan.bucket, '1h');
    assert.equal(plan.bounds.length, 169);
    assert.equal(plan.bounds[168] - plan.bounds[0], 168 * HOUR);
    assert.match(
        plan.query,
        /^SELECT mean\("mean_PAPP"\) AS "PAPP", last\("last_BASE"\) AS "BASE" FROM "rollup_1m"\."linky" WHERE .* GROUP BY time\(1h\) fill\(none\) tz\('Europe\/Paris'\)$/,
    );
});

test('month: 31 local days across the spring change (31 March has 23 hours), the day before as reference', () => {
    const plan = planHistory(request({ range: 'month' }));
    assert.equal(plan.bucket, '1d');
    assert.equal(plan.bounds.length, 32);
    assert.equal(plan.bounds[0], at('2024-03-06T00:00:00+01:00'));
    assert.equal(plan.bounds[31], at('2024-04-06T00:00:00+02:00'));
    const march31 = plan.bounds.indexOf(at('2024-03-31T00:00:00+01:00'));
    assert.equal(plan.bounds[march31 + 1] - plan.bounds[march31], 23 * HOUR);
    assert.ok(
        plan.query.includes(
            `time >= ${at('2024-03-05T00:00:00+01:00')}ms AND time < ${at('2024-04-06T00:00:00+02:00')}ms GROUP BY time(1d)`,
        ),
    );
});

test('year: 12 calendar months from rollup_1h, queried by local day and summed into months', () => {
    const plan = planHistory(
        request({
            range: 'year',
            end: at('2024-12-15T08:00:00+01:00'),
            available: { raw: { policy: 'raw', days: 30 }, rollup_1m: { days: 400 }, rollup_1h: { days: 0 } },
        }),
    );
    assert.equal(plan.source, 'rollup_1h');
    assert.equal(plan.bucket, '1d');
    assert.deepEqual(
        plan.bounds.map((t) => new Date(t + paris.offset(t)).toISOString().slice(0, 10)),
        [
            '2024-01-01',
            '2024-02-01',
            '2024-03-01',
            '2024-04-01',
            '2024-05-01',
            '2024-06-01',
            '2024-07-01',
            '2024-08-01',
            '2024-09-01',
            '2024-10-01',
            '2024-11-01',
            '2024-12-01',
            '2025-01-01',
        ],
    );
    assert.match(plan.query, /^SELECT mean\("mean_mean_PAPP"\) AS "PAPP", last\("last_last_BASE"\) AS "BASE" FROM "rollup_1h"\."linky"/);
    assert.ok(plan.query.includes(`time >= ${at('2023-12-31T00:00:00+01:00')}ms`));
});

test('the policy read: the preferred one that keeps the whole window, else the one that keeps the most', () => {
    const rollups = { raw: { policy: 'raw', days: 30 }, rollup_1m: { days: 7 }, rollup_1h: { days: 0 } };
    assert.equal(planHistory(request({ range: 'day', available: rollups })).source, 'raw');
    assert.equal(planHistory(request({ range: 'week', available: { ...rollups, rollup_1m: { days: 8 } } })).source, 'rollup_1m');
    // rollup_1m keeps 7 days: a week plus its reference hour does not fit.
    assert.equal(planHistory(request({ range: 'week', available: rollups })).source, 'raw');
    assert.equal(planHistory(request({ range: 'month', available: rollups })).source, 'rollup_1h');
    assert.equal(planHistory(request({ range: 'year', available: { raw: { days: 30 } } })).source, 'raw');
    assert.equal(planHistory(request({ range: 'year', available: { raw: { days: 30 }, rollup_1m: { days: 90 } } })).source, 'rollup_1m');
    assert.equal(columnName('rollup_1h', 'last', 'BASE'), 'last_last_BASE');
});

test('names and the meter are quoted; no meter filter when the meter or its tag is empty', () => {
    const plan = planHistory(request({ measurement: 'my "meter"', meter: "it's", available: { raw: { policy: 'a.b', days: 0 } } }));
    assert.ok(plan.query.includes('FROM "a.b"."my \\"meter\\"" WHERE "meter" = \'it\\\'s\' AND time'));
    assert.ok(planHistory(request({ meter: '' })).query.includes('FROM "linky" WHERE time >='));
    assert.ok(planHistory(request({ meterTag: '' })).query.includes('FROM "linky" WHERE time >='));
});

test('requests that cannot be planned say what is wrong', () => {
    const reason = (overrides: Partial<HistoryRequest>) => {
        try {
            planHistory(request(overrides));
        } catch (err) {
            assert.ok(err instanceof HistoryRequestError);
            return err.reason;
        }
        return undefined;
    };
    assert.equal(reason({ range: 'fortnight' as 'day' }), 'range');
    assert.equal(reason({ end: NaN }), 'end');
    assert.equal(reason({ timeZone: 'Mars/Olympus' }), 'timeZone');
    assert.equal(reason({ fields: [] }), 'fields');
    assert.equal(reason({ measurement: '' }), 'measurement');
});

test('chart: energy is the difference of the last index between buckets, power the mean; gaps and resets', () => {
    const plan = planHistory(request());
    const b = plan.bounds;
    const rows = [
        [b[0] - 600_000, 500, 1_000_000], // the reference bucket, before the window
        [b[0], 600, 1_000_200],
        [b[1], 700, 1_000_500],
        // b[2] and b[3]: nothing (Node-RED was down); b[4] gets the energy of the gap
        [b[4], null, 1_001_400],
        [b[5], 800, 999_000], // a new meter: no energy for this bucket
        [b[6], 900, 999_100],
    ];
    const [chart] = chartOf(plan, rows);
    assert.deepEqual(chart.series, ['PAPP', 'Energy']);
    assert.deepEqual(chart.labels, ['']);
    assert.equal(chart.data[0].length, 144);
    assert.deepEqual(
        chart.data[0].slice(0, 7).map((p) => p.y),
        [600, 700, null, null, null, 800, 900],
    );
    assert.deepEqual(
        chart.data[1].slice(0, 7).map((p) => p.y),
        [0.2, 0.3, null, null, 0.9, null, 0.1],
    );
    assert.deepEqual(
        chart.data[1].slice(0, 3).map((p) => p.x),
        [b[0], b[1], b[2]],
    );
    assert.ok(chart.data[1].slice(7).every((p) => p.y === null));
});

test('chart, year: days summed into calendar months, power as the mean of the daily means', () => {
    const plan = planHistory(request({ range: 'year', end: at('2024-03-10T12:00:00+01:00') }));
    const jan1 = plan.bounds[9];
    const rows = [
        [paris.addDays(jan1, -1), 10, 0],
        [jan1, 20, 24_000],
        [paris.addDays(jan1, 30), 40, 48_000], // 31 January
        [paris.addDays(jan1, 31), 60, 72_000], // 1 February
        [paris.addMonths(jan1, 2), 80, 96_000], // 1 March
    ];
    const [chart] = chartOf(plan, rows);
    assert.deepEqual(
        chart.data[0].slice(9).map((p) => p.y),
        [30, 60, 80],
    );
    assert.deepEqual(
        chart.data[1].slice(9).map((p) => p.y),
        [48, 24, 24],
    );
    assert.equal(chart.data[1][9].x, at('2024-01-01T00:00:00+01:00'));
    assert.ok(chart.data[1].slice(0, 9).every((p) => p.y === null));
});

function samplesRequest(overrides: Partial<SamplesRequest> = {}): SamplesRequest {
    return {
        days: 14,
        end: at('2025-01-20T10:07:30Z'),
        interval: 300_000,
        measurement: 'teleinfo',
        meterTag: 'meter',
        meter: '021861348497',
        field: { name: 'PAPP', kind: 'power' },
        available: { raw: { days: 0 } },
        energyScale: 1,
        ...overrides,
    };
}

test('samples: finished epoch-aligned intervals before the one holding `end`, one per interval', () => {
    const plan = planSamples(samplesRequest());
    assert.equal(plan.source, 'raw');
    assert.equal(plan.bounds.length, 14 * 288 + 1);
    // 10:07:30 is in the 10:05 interval, which is not finished: the window ends at its start.
    assert.equal(plan.bounds[plan.bounds.length - 1], at('2025-01-20T10:05:00Z'));
    assert.equal(plan.bounds[0], at('2025-01-06T10:05:00Z'));
    assert.ok(plan.bounds.every((t) => t % 300_000 === 0));
    assert.equal(
        plan.query,
        'SELECT mean("PAPP") AS "PAPP" FROM "teleinfo" WHERE "meter" = \'021861348497\' AND ' +
            `time >= ${at('2025-01-06T10:05:00Z')}ms AND time < ${at('2025-01-20T10:05:00Z')}ms GROUP BY time(300s) fill(none)`,
    );
    // On an interval's start, that interval is not finished either.
    assert.equal(planSamples(samplesRequest({ end: at('2025-01-20T10:05:00Z') })).bounds.at(-1), at('2025-01-20T10:05:00Z'));
});

test('samples: means in time order, null where nothing is known; energy from index differences', () => {
    const plan = planSamples(samplesRequest({ days: 1 / 48 }));
    const b = plan.bounds;
    assert.equal(b.length, 7);
    const samples = samplesOf(plan, [
        [b[0], 310],
        [b[1], 330.00000000000006],
        [b[3], 900],
        [b[5], null],
    ]);
    assert.deepEqual(samples, [
        { timestamp: b[0], value: 310 },
        { timestamp: b[1], value: 330 },
        { timestamp: b[2], value: null },
        { timestamp: b[3], value: 900 },
        { timestamp: b[4], value: null },
        { timestamp: b[5], value: null },
    ]);

    const energy = planSamples(samplesRequest({ days: 1 / 96, field: { name: 'BASE', kind: 'energy' } }));
    assert.match(energy.query, /^SELECT last\("BASE"\) AS "BASE" FROM "teleinfo" WHERE .* GROUP BY time\(300s\) fill\(none\)$/);
    assert.ok(energy.query.includes(`time >= ${energy.bounds[0] - 300_000}ms`), 'one interval before, as the reference');
    const e = energy.bounds;
    assert.deepEqual(
        samplesOf(energy, [
            [e[0] - 300_000, 1000],
            [e[0], 1040],
            [e[2], 1100],
        ]).map((s) => s.value),
        [40, null, 60],
    );
});

test('samples: a rollup only at a multiple of its interval; bad days and intervals are refused', () => {
    const rollups = { raw: { policy: 'raw', days: 7 }, rollup_1m: { days: 400 }, rollup_1h: { days: 0 } };
    assert.equal(planSamples(samplesRequest({ days: 6, available: rollups })).source, 'raw');
    const minutes = planSamples(samplesRequest({ available: rollups }));
    assert.equal(minutes.source, 'rollup_1m');
    assert.ok(minutes.query.startsWith('SELECT mean("mean_PAPP") AS "PAPP" FROM "rollup_1m"."teleinfo"'));
    // 90 s cannot be read from minutes: the raw points, all that is left of them.
    assert.equal(planSamples(samplesRequest({ interval: 90_000, available: rollups })).source, 'raw');
    assert.equal(
        planSamples(samplesRequest({ days: 800, interval: 3_600_000, available: { ...rollups, rollup_1m: { days: 400 } } })).source,
        'rollup_1h',
    );
    const reason = (overrides: Partial<SamplesRequest>) => {
        try {
            planSamples(samplesRequest(overrides));
        } catch (err) {
            assert.ok(err instanceof HistoryRequestError);
            return err.reason;
        }
        return undefined;
    };
    assert.equal(reason({ days: 0 }), 'days');
    assert.equal(reason({ days: NaN }), 'days');
    assert.equal(reason({ days: 20_000 }), 'days');
    assert.equal(reason({ interval: 1500 }), 'interval');
    assert.equal(reason({ end: NaN }), 'end');
    assert.equal(reason({ measurement: '' }), 'measurement');
});
