/**
 * The Home Linky flow's tariffs mapped onto the model, and priced by it as the flow priced them:
 * its "Cost of the period" function node's computation, copied below, against priceConsumption on
 * the charts the flow receives. The charts are built as influx-history builds them (planHistory,
 * chartOf) from the demo's simulated meters (the HP/HC home meter, the Tempo standard meter),
 * bucketed as InfluxDB's GROUP BY time() tz() buckets them: day, month and year views, each tariff
 * option, with the example prices the flow starts with and with prices as a form hands them over.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import type { Point } from '../../lib/store/line-protocol';
import type { HistoryPlan, HistoryRange } from '../../lib/store/history-query';
import { TEMPO_PERIODS } from '../../lib/tariff/clock';
import {
    HOME_LINKY_OPTIONS,
    HOME_LINKY_SERIES,
    homeLinkyOption,
    homeLinkySchedules,
    type HomeLinkyOption,
} from '../../lib/tariff/home-linky';
import { priceConsumption, type Pricing } from '../../lib/tariff/pricing';
import { validateSchedule } from '../../lib/tariff/tariff';
import { simulatedHistory } from '../../sim/history-backfill';
import { assertAmount, assertRefused, chartIntervals, energyHistoryPlan, historyChart, type HistoryChart } from '../support/tariff';
import { TimeZone } from '../../lib/util/time-zone';

const paris = new TimeZone('Europe/Paris');
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** Now: 12:55 in Paris, inside a 10-minute interval, so that the day view's current interval has a little data. */
const NOW = Date.parse('2026-01-15T11:55:00Z');

/** The flow's first-start prices ("Kept tariffs", home-linky-fn-tariffs). */
const EXAMPLE_TARIFFS = {
    subscription: 15.5,
    base: 0.2016,
    hphcHC: 0.1696,
    hphcHP: 0.2146,
    tempoBlueHC: 0.1288,
    tempoBlueHP: 0.1552,
    tempoWhiteHC: 0.1447,
    tempoWhiteHP: 0.1792,
    tempoRedHC: 0.1518,
    tempoRedHP: 0.6586,
};
/** Prices as a dashboard form may hand them over: strings, one left empty. */
const FORM_TARIFFS = {
    subscription: '12.44',
    base: '0.2516',
    hphcHC: '',
    hphcHP: '0.27',
    tempoBlueHC: '0.1325',
    tempoBlueHP: '0.1612',
    tempoWhiteHC: '0.1499',
    tempoWhiteHP: '0.1871',
    tempoRedHC: '0.1575',
    tempoRedHP: '0.7062',
};

/**
 * The computation of the flow's "Cost of the period" function node (home-linky-fn-cost), copied
 * from flows/home-linky.json: the context reads are parameters and the amounts are returned
 * before formatting.
 */
function flowCostOfThePeriod(option: string, prices: Record<string, unknown>, source: HistoryChart) {
    const { payload, history } = source;
    // influx-history sends one series per configured field, in the configured order.
    const total = (index: number) => (payload[0].data[index] || []).reduce((sum, p) => sum + (p.y || 0), 0);
    const price = (key: string) => Number(prices[key]) || 0;
    let kwh: number;
    let energy: number;
    if (option === 'tempo') {
        const keys = ['tempoBlueHC', 'tempoBlueHP', 'tempoWhiteHC', 'tempoWhiteHP', 'tempoRedHC', 'tempoRedHP'];
        kwh = 0;
        energy = 0;
        keys.forEach((key, i) => {
            const k = total(i);
            kwh += k;
            energy += k * price(key);
        });
    } else {
        const hc = total(0);
        const hp = total(1);
        kwh = hc + hp;
        energy = option === 'base' ? kwh * price('base') : hc * price('hphcHC') + hp * price('hphcHP');
    }
    // A month of subscription is 1/12 of a year: 365.25 / 12 days.
    const days = (history.end - history.start) / 86400000;
    const subscription = (price('subscription') * days) / (365.25 / 12);
    return { kwh, energy, subscription };
}

/** The flow's two influx-history nodes: the home meter's HP/HC indexes, the Tempo meter's six. */
const FLOW_FIELDS: Record<'home' | 'tempo', string[]> = {
    home: ['HCHC', 'HCHP'],
    tempo: ['EASF01', 'EASF02', 'EASF03', 'EASF04', 'EASF05', 'EASF06'],
};

/** The demo meters' history: a point an hour over 35 days (month and year views), a minute over the last 25 hours (day view). */
const hourly = simulatedHistory(NOW - 35 * DAY_MS, NOW, HOUR_MS);
const byMinute = simulatedHistory(NOW - 25 * HOUR_MS, NOW, MINUTE_MS);

/** The chart influx-history sends for a view of one of the flow's history nodes, from the rows InfluxDB would answer. */
function flowChart(range: HistoryRange, meter: 'home' | 'tempo'): { plan: HistoryPlan; source: HistoryChart } {
    const fields = FLOW_FIELDS[meter];
    const plan = energyHistoryPlan(range, NOW, fields);
    const points: Point[] = (range === 'day' ? byMinute : hourly)[meter === 'home' ? 0 : 1];
    // GROUP BY time() tz() with last(): the last point of each bucket, buckets with points only.
    const bucketOf = (time: number) => (plan.bucket === '1d' ? paris.startOfDay(time) : paris.floor(time, 10 * MINUTE_MS));
    const rows = new Map<number, unknown[]>();
    for (const point of points) rows.set(bucketOf(point.time), [bucketOf(point.time), ...fields.map((field) => point.fields[field])]);
    return { plan, source: historyChart(plan, [...rows.values()]) };
}

/** What the flow, moved onto the model, would price: each chart interval, the current one ending now. */
function modelPricing(option: HomeLinkyOption, stored: unknown, plan: HistoryPlan, payload: HistoryChart['payload']): Pricing {
    const intervals = chartIntervals(plan, payload, HOME_LINKY_SERIES[option], NOW);
    return priceConsumption(homeLinkySchedules(stored)[option], intervals);
}

const PERIODS: Record<HomeLinkyOption, readonly string[]> = { base: ['base'], hphc: ['HC', 'HP'], tempo: TEMPO_PERIODS };

for (const range of ['day', 'month', 'year'] as const) {
    test(`${range} view: the model's energy cost is the flow's, for Base, HP/HC and Tempo, example and form prices`, () => {
        for (const option of HOME_LINKY_OPTIONS) {
            const { plan, source } = flowChart(range, option === 'tempo' ? 'tempo' : 'home');
            for (const stored of [EXAMPLE_TARIFFS, FORM_TARIFFS]) {
                const flow = flowCostOfThePeriod(option, stored, source);
                const model = modelPricing(option, stored, plan, source.payload);
                const what = `${range}, ${option}, ${stored === EXAMPLE_TARIFFS ? 'example' : 'form'} prices`;
                assert.ok(flow.kwh > 1 && flow.energy > 0.1, `${what}: a real consumption (${flow.kwh} kWh)`);
                assertAmount(model.quantity, flow.kwh, `${what}: kWh`);
                assertAmount(model.energy, flow.energy, `${what}: energy`);
                assert.deepEqual(
                    model.periods.map((p) => p.period),
                    PERIODS[option],
                );
            }
        }
    });
}

test('Tempo: the simulated month has red days, priced at the red HP price', () => {
    const { plan, source } = flowChart('month', 'tempo');
    const redHP = modelPricing('tempo', EXAMPLE_TARIFFS, plan, source.payload).energyLines.find((line) => line.period === 'redHP')!;
    assert.ok(redHP.quantity > 0);
    assert.equal(redHP.price, 0.6586);
    assertAmount(redHP.cost, redHP.quantity * 0.6586);
});

test('the subscription: the span with data, by calendar days, where the flow charged the whole view at 365.25/12 days a month', () => {
    // 15.50 € a month, December and January of 31 days: 0.50 € a day. Now is 15 January, 12:55.
    const today = 12 + 55 / 60;
    const cases = [
        // 24 hours of 10 minutes, from 14 January 13:00 to now.
        { range: 'day' as const, localStart: { date: '2026-01-14', minuteOfDay: 13 * 60 }, days: (24 - 13 + today) / 24, flowDays: 1 },
        // 31 days from 16 December to now.
        { range: 'month' as const, localStart: { date: '2025-12-16', minuteOfDay: 0 }, days: 30 + today / 24, flowDays: 31 },
        // 12 months from February 2025, with data from December (the first month whose interval has data) to now.
        { range: 'year' as const, localStart: { date: '2025-12-01', minuteOfDay: 0 }, days: 45 + today / 24, flowDays: 365 },
    ];
    for (const { range, localStart, days, flowDays } of cases) {
        const { plan, source } = flowChart(range, 'home');
        const model = modelPricing('hphc', EXAMPLE_TARIFFS, plan, source.payload);
        assert.deepEqual(model.covered!.localStart, localStart, range);
        assert.deepEqual(model.covered!.localEnd, { date: '2026-01-15', minuteOfDay: 12 * 60 + 55 }, range);
        assert.equal(model.covered!.end, NOW);
        assertAmount(model.covered!.days, days, `${range}: days`, 1e-9);
        assertAmount(model.subscription, 0.5 * days, `${range}: subscription`, 1e-9);
        const flow = flowCostOfThePeriod('hphc', EXAMPLE_TARIFFS, source);
        assertAmount(flow.subscription, (15.5 * flowDays) / (365.25 / 12), `${range}: the flow's`);
    }
});

test('the stored form maps to one schedule per option, keeping every saved price; the option defaults to HP/HC', () => {
    const schedule = (prices: Record<string, number>, amount = 15.5, from = '1970-01-01') => {
        return [{ from, currency: 'EUR', unit: 'kWh', subscription: { amount, per: 'month' }, prices }];
    };
    assert.deepEqual(homeLinkySchedules(EXAMPLE_TARIFFS), {
        base: schedule({ base: 0.2016 }),
        hphc: schedule({ HC: 0.1696, HP: 0.2146 }),
        tempo: schedule({ blueHC: 0.1288, blueHP: 0.1552, whiteHC: 0.1447, whiteHP: 0.1792, redHC: 0.1518, redHP: 0.6586 }),
    });
    // As the flow read them: a string is a number, an empty or missing price is 0.
    assert.deepEqual(homeLinkySchedules(FORM_TARIFFS, '2025-08-01').hphc, schedule({ HC: 0, HP: 0.27 }, 12.44, '2025-08-01'));
    assert.deepEqual(homeLinkySchedules(undefined).base, schedule({ base: 0 }, 0));
    assert.deepEqual(homeLinkySchedules({ base: 0.2 }).tempo, schedule(Object.fromEntries(TEMPO_PERIODS.map((period) => [period, 0])), 0));
    // Kept in the file context store: JSON and back, still a valid schedule.
    for (const mapped of Object.values(homeLinkySchedules(EXAMPLE_TARIFFS))) {
        assert.deepEqual(validateSchedule(JSON.parse(JSON.stringify(mapped))), mapped);
    }
    assertRefused(() => homeLinkySchedules({ ...EXAMPLE_TARIFFS, hphcHP: -0.2146 }), 'price', { tariff: 0, period: 'HP', value: -0.2146 });
    assertRefused(() => homeLinkySchedules(EXAMPLE_TARIFFS, '2025-02-30'), 'date', { tariff: 0, field: 'from', value: '2025-02-30' });

    assert.equal(homeLinkyOption(undefined), 'hphc');
    assert.equal(homeLinkyOption(''), 'hphc');
    assert.equal(homeLinkyOption('base'), 'base');
    assert.equal(homeLinkyOption('tempo'), 'tempo');
    assertRefused(() => homeLinkyOption('ejp'), 'option', { value: 'ejp' });
});
