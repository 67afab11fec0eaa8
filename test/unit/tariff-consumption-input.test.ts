/**
 * Consumption messages read into the intervals lib/tariff prices: influx-history's charts (built
 * by planHistory and chartOf, over the days the clocks change) with the current interval ending
 * now, its samples, intervals given by any flow, the local dates and times in the meter's zone,
 * and the refusals (codes and data).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
    ConsumptionError,
    consumptionIntervals,
    consumptionShape,
    localDateTimeAt,
    type ConsumptionErrorReason,
    type ConsumptionMessage,
} from '../../lib/tariff/consumption-input';
import { TimeZone } from '../../lib/util/time-zone';
import { chartIntervals, growingIndexesChart, intervalIn } from '../support/tariff';

const paris = new TimeZone('Europe/Paris');
const zurich = new TimeZone('Europe/Zurich');
const HOUR_MS = 3_600_000;

function assertRefused(run: () => unknown, reason: ConsumptionErrorReason, data: Record<string, unknown>): void {
    assert.throws(run, (err: unknown) => {
        assert.ok(err instanceof ConsumptionError, `a ConsumptionError, not ${String(err)}`);
        assert.equal(err.reason, reason);
        assert.deepEqual(err.data, data);
        return true;
    });
}

test('a month view over the end of summer time: one interval per local day, the 25-hour day included, periods by series', () => {
    const end = Date.parse('2025-11-10T12:00:00Z');
    const { plan, ...message } = growingIndexesChart('month', end, ['HCHC', 'HCHP'], (field) => [2000, 3000][field]);
    const intervals = consumptionIntervals(message, { periods: ['HC', 'HP'], zone: paris, now: end });
    assert.equal(intervals.length, 31);
    // The reference the home Linky test prices the flow's charts with: the current interval ends now.
    const expected = chartIntervals(plan, message.payload, ['HC', 'HP'], end);
    assert.deepEqual(intervals, expected);
    const october26 = intervals.find((i) => i.localStart.date === '2025-10-26')!;
    assert.equal(october26.end - october26.start, 25 * HOUR_MS);
    assert.deepEqual(october26.localEnd, { date: '2025-10-27', minuteOfDay: 0 });
    assert.deepEqual(intervals.at(-1)!.localEnd, { date: '2025-11-10', minuteOfDay: 13 * 60 });
    assert.deepEqual(intervals[0].consumption, { HC: 2, HP: 3 });
});

test("a chart's current interval ends now; one wholly past or still to come keeps its bounds", () => {
    const end = Date.parse('2025-06-01T09:05:00Z');
    const message = growingIndexesChart('day', end, ['BASE'], () => 100);
    const last = (now: number) => consumptionIntervals(message, { periods: ['base'], zone: paris, now }).at(-1)!;
    assert.equal(last(end).end, end);
    assert.equal(last(end).start, Date.parse('2025-06-01T09:00:00Z'));
    assert.equal(last(Date.parse('2025-06-02T00:00:00Z')).end, message.history.end, 'read a day later: the interval is whole');
    assert.equal(last(Date.parse('2025-06-01T09:00:00Z')).end, message.history.end, 'now at its start: not inside it');
});

test("series sharing a period are summed; without periods, the series' names are the periods; nulls stay unknown", () => {
    const payload = [
        {
            series: ['HC', 'HP'],
            data: [
                [
                    { x: 0, y: 1 },
                    { x: 3_600_000, y: null },
                ],
                [
                    { x: 0, y: 2 },
                    { x: 3_600_000, y: null },
                ],
            ],
            labels: [''],
        },
    ];
    const message = { payload, history: { end: 7_200_000 } };
    const reading = { zone: zurich, now: 1e13 };
    assert.deepEqual(
        consumptionIntervals(message, { ...reading, periods: ['base', 'base'] }).map((i) => i.consumption),
        [{ base: 3 }, { base: null }],
    );
    assert.deepEqual(
        consumptionIntervals(message, { ...reading, periods: undefined }).map((i) => i.consumption),
        [
            { HC: 1, HP: 2 },
            { HC: null, HP: null },
        ],
    );
    assert.deepEqual(consumptionIntervals(message, { ...reading, periods: undefined })[1].localStart, {
        date: '1970-01-01',
        minuteOfDay: 120,
    });
    const empty = { payload: [{ series: ['HC'], data: [[]], labels: [''] }] };
    assert.deepEqual(consumptionIntervals(empty, { ...reading, periods: ['HC'] }), [], 'a chart without points has nothing to price');
});

test("influx-history's samples: an interval each from its timestamp, the field's name as the period unless one is given", () => {
    const start = Date.parse('2025-03-30T00:00:00Z');
    const message = {
        payload: [
            { timestamp: start, value: 0.5 },
            { timestamp: start + HOUR_MS, value: null },
            { timestamp: start + 2 * HOUR_MS, value: 0.25 },
        ],
        history: { days: 0.125, start, end: start + 3 * HOUR_MS, interval: 3600, field: 'EASF02' },
    };
    const intervals = consumptionIntervals(message, { periods: undefined, zone: paris, now: start });
    assert.deepEqual(
        intervals,
        [0.5, null, 0.25].map((value, i) => intervalIn(paris, start + i * HOUR_MS, start + (i + 1) * HOUR_MS, { EASF02: value })),
    );
    // 01:00 to 03:00 UTC is 02:00 + 1 h to 04:00 local: the clocks went forward at 02:00.
    assert.deepEqual(intervals[1].localStart, { date: '2025-03-30', minuteOfDay: 3 * 60 });
    assert.deepEqual(consumptionIntervals(message, { periods: ['blueHP'], zone: paris, now: start })[0].consumption, { blueHP: 0.5 });
    assert.deepEqual(consumptionIntervals({ payload: [], history: {} }, { periods: ['HP'], zone: paris, now: start }), []);
});

test('intervals from any flow: instants as ms or date text, the consumption as given', () => {
    const message = {
        payload: [{ start: '2025-01-01T00:00:00+01:00', end: Date.parse('2025-01-02T00:00:00+01:00'), consumption: { T1: 3, T2: 4 } }],
    };
    const [interval] = consumptionIntervals(message, { periods: ['ignored'], zone: zurich, now: 0 });
    assert.deepEqual(
        interval,
        intervalIn(zurich, Date.parse('2024-12-31T23:00:00Z'), Date.parse('2025-01-01T23:00:00Z'), { T1: 3, T2: 4 }),
    );
});

test('the shape of a payload', () => {
    assert.equal(consumptionShape([{ series: [], data: [], labels: [''] }]), 'chart');
    assert.equal(consumptionShape([{ timestamp: 0, value: 1 }]), 'samples');
    assert.equal(consumptionShape([{ start: 0, end: 1, consumption: {} }]), 'intervals');
    for (const payload of [
        undefined,
        42,
        'day',
        {},
        [{ x: 0, y: 1 }],
        [
            { timestamp: 0, value: 1 },
            { start: 0, end: 1, consumption: {} },
        ],
    ]) {
        assert.equal(consumptionShape(payload), undefined, JSON.stringify(payload));
    }
});

test('refusals: a code and the data to word it', () => {
    const reading = { periods: ['HC', 'HP'], zone: paris, now: 0 };
    const read =
        (message: ConsumptionMessage, periods: string[] | undefined = reading.periods) =>
        () =>
            consumptionIntervals(message, { ...reading, periods });
    const chart = (data: unknown[], end: unknown = 7_200_000) => ({
        payload: [{ series: ['a', 'b'], data, labels: [''] }],
        history: { end },
    });
    const point = (x: unknown, y: unknown) => ({ x, y });
    const good = [point(0, 1), point(3_600_000, 2)];
    assertRefused(read({ payload: { HC: 1 } }), 'shape', { value: { HC: 1 } });
    assertRefused(read({ payload: chart([good, good]).payload }), 'end', { value: undefined });
    assertRefused(read(chart([good, good], 3_600_000)), 'end', { value: 3_600_000 });
    assertRefused(read(chart([good, good]), ['HC']), 'periods', { count: 2, periods: ['HC'] });
    // Without periods, the chart's series names: two names for three series.
    assertRefused(() => consumptionIntervals(chart([good, good, good]), { ...reading, periods: undefined }), 'periods', {
        count: 3,
        periods: ['a', 'b'],
    });
    assertRefused(read(chart([good, [point(0, 1)]])), 'point', { series: 1, point: 1, value: 1 });
    assertRefused(read(chart([good, [point(0, 1), point(3_600_001, 2)]])), 'point', { series: 1, point: 1, value: point(3_600_001, 2) });
    assertRefused(read(chart([[point(0, 1), point(0, 2)], good])), 'point', { series: 0, point: 1, value: point(0, 2) });
    assertRefused(read(chart([[point(0, '1'), point(3_600_000, 2)], good])), 'point', { series: 0, point: 0, value: point(0, '1') });
    assertRefused(read(chart([good, 'b'])), 'point', { series: 1, point: null, value: 'b' });
    const samples = (payload: unknown[], interval: unknown = 600) => ({ payload, history: { interval, field: 'HCHC' } });
    assertRefused(read(samples([{ timestamp: 0, value: 1 }], 0), ['HC']), 'interval', { value: 0 });
    assertRefused(read(samples([{ timestamp: 0, value: 1 }])), 'periods', { count: 1, periods: ['HC', 'HP'] });
    assertRefused(
        read(
            samples([
                { timestamp: 0, value: 1 },
                { timestamp: 'now', value: 1 },
            ]),
            ['HC'],
        ),
        'sample',
        { sample: 1, value: { timestamp: 'now', value: 1 } },
    );
    assertRefused(read(samples([{ timestamp: 0, value: '1' }]), ['HC']), 'sample', { sample: 0, value: { timestamp: 0, value: '1' } });
    const given = (start: unknown, end: unknown) => ({
        payload: [
            { start: 0, end: 1, consumption: {} },
            { start, end, consumption: { HC: 1 } },
        ],
    });
    assertRefused(read(given('yesterday', 1)), 'time', { interval: 1, field: 'start', value: 'yesterday' });
    assertRefused(read(given(5, 5)), 'time', { interval: 1, field: 'end', value: 5 });
});

test('local dates and times in the zone, seconds and milliseconds as a fraction of a minute', () => {
    assert.deepEqual(localDateTimeAt(paris, Date.parse('2025-10-26T00:59:30.500Z')), {
        date: '2025-10-26',
        minuteOfDay: 2 * 60 + 59.5 + 0.5 / 60,
    });
    assert.deepEqual(localDateTimeAt(paris, Date.parse('2025-10-26T01:00:00Z')), { date: '2025-10-26', minuteOfDay: 2 * 60 });
    assert.deepEqual(localDateTimeAt(new TimeZone('Australia/Adelaide'), Date.parse('2025-01-01T00:00:00Z')), {
        date: '2025-01-01',
        minuteOfDay: 10 * 60 + 30,
    });
});
