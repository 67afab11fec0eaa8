/**
 * Pricing consumption under a schedule, every figure computed by hand: energy per period, the
 * subscription prorated by local days over the span that has data (per month, per year, a leap
 * year, 35 days of a year view, the days the clocks change), a price change inside the span, CHF
 * with T1/T2, gas and water in m³, and the refusals (codes and data).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { TimeZone } from '../../lib/util/time-zone';
import { consumptionOf, priceConsumption, type ConsumptionInterval, type Pricing } from '../../lib/tariff/pricing';
import type { Tariff } from '../../lib/tariff/tariff';
import type { TariffErrorReason } from '../../lib/tariff/tariff-error';
import { assertAmount, assertRefused, intervalIn, type Consumption } from '../support/tariff';

const paris = new TimeZone('Europe/Paris');
const zurich = new TimeZone('Europe/Zurich');
const HOUR_MS = 3_600_000;

/** A tariff in € per kWh with a monthly subscription. */
function euros(from: string, monthly: number, prices: Record<string, number>): Tariff {
    return { from, currency: 'EUR', unit: 'kWh', subscription: { amount: monthly, per: 'month' }, prices };
}

/** French regulated HP/HC prices (€ TTC, 6 kVA) before and from 1 February 2025. */
const HPHC_2024 = euros('2024-02-01', 15.47, { HC: 0.2068, HP: 0.27 });
const HPHC_2025 = euros('2025-02-01', 15.74, { HC: 0.1696, HP: 0.2146 });
const BASE = euros('2025-02-01', 15.5, { base: 0.2016 });
/** A Swiss household tariff for an E450: CHF, high (T1) and low (T2) rate, a yearly base charge. */
const SWISS: Tariff = { ...euros('2023-01-01', 0, { T1: 0.3125, T2: 0.224 }), currency: 'CHF', subscription: { amount: 186, per: 'year' } };

/** Local midnight of a date in a zone. */
function midnight(zone: TimeZone, date: string): number {
    const [year, month, day] = date.split('-').map(Number);
    return zone.instant(year, month, day);
}

/** One interval from local midnight to local midnight. */
function days(zone: TimeZone, from: string, to: string, consumption: Consumption): ConsumptionInterval {
    return intervalIn(zone, midnight(zone, from), midnight(zone, to), consumption);
}

/** Daily intervals over [from, to), each with the same consumption. */
function daily(zone: TimeZone, from: string, to: string, consumption: Consumption): ConsumptionInterval[] {
    const intervals: ConsumptionInterval[] = [];
    for (let day = midnight(zone, from); day < midnight(zone, to); day = zone.addDays(day, 1)) {
        intervals.push(intervalIn(zone, day, zone.addDays(day, 1), consumption));
    }
    return intervals;
}

function assertPricing(pricing: Pricing, expected: { energy: number; subscription: number; days: number | null }): void {
    assertAmount(pricing.energy, expected.energy, 'energy');
    assertAmount(pricing.subscription, expected.subscription, 'subscription');
    assertAmount(pricing.total, expected.energy + expected.subscription, 'total');
    assertAmount(
        pricing.energy,
        pricing.energyLines.reduce((sum, line) => sum + line.cost, 0),
        'energy = its lines',
    );
    if (expected.days === null) assert.equal(pricing.covered, null);
    // Local times are days since 1970 (about 20,000): a fraction of a day added to them keeps 1e-11 of it.
    else assertAmount(pricing.covered!.days, expected.days, 'days covered', 1e-9);
}

test('a monthly subscription: a whole calendar month is one month, March with its 23-hour day too', () => {
    const pricing = priceConsumption([HPHC_2025], [days(paris, '2025-03-01', '2025-04-01', { HC: 120, HP: 180 })]);
    // 120 × 0.1696 + 180 × 0.2146 = 20.352 + 38.628
    assertPricing(pricing, { energy: 58.98, subscription: 15.74, days: 31 });
    assert.deepEqual(
        pricing.energyLines.map(({ tariff, period, quantity, price }) => [tariff, period, quantity, price]),
        [
            ['2025-02-01', 'HC', 120, 0.1696],
            ['2025-02-01', 'HP', 180, 0.2146],
        ],
    );
    assert.deepEqual(pricing.covered, {
        start: Date.parse('2025-03-01T00:00:00+01:00'),
        end: Date.parse('2025-04-01T00:00:00+02:00'),
        localStart: { date: '2025-03-01', minuteOfDay: 0 },
        localEnd: { date: '2025-04-01', minuteOfDay: 0 },
        days: 31,
    });
    assert.deepEqual(pricing.subscriptionLines, [{ tariff: '2025-02-01', amount: 15.74, per: 'month', days: 31, cost: 15.74 }]);
    assert.equal(pricing.currency, 'EUR');
    assert.equal(pricing.unit, 'kWh');
    assert.equal(pricing.quantity, 300);
    // Ten days of a 28-day February, then of a 31-day March.
    const tenDays = (from: string, to: string) => priceConsumption([HPHC_2025], [days(paris, from, to, { HC: 40 })]);
    assertPricing(tenDays('2025-02-10', '2025-02-20'), { energy: 6.784, subscription: (15.74 * 10) / 28, days: 10 });
    assertPricing(tenDays('2025-03-10', '2025-03-20'), { energy: 6.784, subscription: (15.74 * 10) / 31, days: 10 });
});

test('a yearly subscription: by the days of each calendar year, 1/366 a day in leap 2024, 1/365 in 2023', () => {
    const february2024 = priceConsumption([SWISS], [days(zurich, '2024-02-01', '2024-03-01', { T1: 210, T2: 150 })]);
    // 210 × 0.3125 + 150 × 0.224 = 65.625 + 33.6; 186 × 29 / 366
    assertPricing(february2024, { energy: 99.225, subscription: 14.737704918032787, days: 29 });
    assert.equal(february2024.currency, 'CHF');
    const swiss = (from: string, to: string, consumption: Consumption) => priceConsumption([SWISS], [days(zurich, from, to, consumption)]);
    assertPricing(swiss('2023-02-01', '2023-03-01', { T1: 210, T2: 150 }), { energy: 99.225, subscription: (186 * 28) / 365, days: 28 });
    assertPricing(swiss('2024-01-01', '2025-01-01', { T1: 2520, T2: 1800 }), { energy: 1190.7, subscription: 186, days: 366 });
    // 15 days of 2023 (17 to 31 December) and 15 of 2024.
    const yearEnd = swiss('2023-12-17', '2024-01-16', { T1: 100 });
    assertPricing(yearEnd, { energy: 31.25, subscription: (186 * 15) / 365 + (186 * 15) / 366, days: 30 });
});

test('a year view over 35 days of data charges those 35 days, not a year, and says which span it charged', () => {
    // Monthly intervals from February 2025; data from 11 December (where the first interval with data
    // starts) to now, 15 January 2026 at midnight (where the current interval ends).
    const intervals: ConsumptionInterval[] = [];
    const firstOf = (month: number) => `2025-${String(month).padStart(2, '0')}-01`;
    for (let month = 2; month <= 11; month++) intervals.push(days(paris, firstOf(month), firstOf(month + 1), { base: null }));
    intervals.push(days(paris, '2025-12-11', '2026-01-01', { base: 310.4 }), days(paris, '2026-01-01', '2026-01-15', { base: 402.7 }));
    const pricing = priceConsumption([BASE], intervals);
    // 713.1 × 0.2016; 15.5 × (21 + 14) / 31
    assertPricing(pricing, { energy: 143.76096, subscription: 17.5, days: 35 });
    assert.deepEqual(pricing.covered, {
        start: Date.parse('2025-12-11T00:00:00+01:00'),
        end: Date.parse('2026-01-15T00:00:00+01:00'),
        localStart: { date: '2025-12-11', minuteOfDay: 0 },
        localEnd: { date: '2026-01-15', minuteOfDay: 0 },
        days: 35,
    });
});

test('the days the clocks change count as one day each, and every hour of them is priced', () => {
    for (const [date, next, hours] of [
        ['2025-03-30', '2025-03-31', 23],
        ['2025-10-26', '2025-10-27', 25],
    ] as const) {
        const intervals: ConsumptionInterval[] = [];
        for (let t = midnight(paris, date); t < midnight(paris, next); t += HOUR_MS) {
            intervals.push(intervalIn(paris, t, t + HOUR_MS, { HC: 0.5, HP: 0.75 }));
        }
        assert.equal(intervals.length, hours);
        const pricing = priceConsumption([HPHC_2025], intervals);
        assertPricing(pricing, { energy: hours * (0.5 * 0.1696 + 0.75 * 0.2146), subscription: 15.74 / 31, days: 1 });
        assert.equal(pricing.quantity, hours * 1.25);
    }
    // On 26 October the hour after 02:00 (summer time) ends at 02:00 (winter time): a local length of
    // zero, an hour of real time.
    const repeated = intervalIn(paris, Date.parse('2025-10-26T02:00:00+02:00'), Date.parse('2025-10-26T02:00:00+01:00'), { HC: 1 });
    assert.deepEqual(repeated.localStart, { date: '2025-10-26', minuteOfDay: 120 });
    assert.deepEqual(repeated.localEnd, repeated.localStart);
    assertPricing(priceConsumption([HPHC_2025], [repeated]), { energy: 0.1696, subscription: 15.74 / 24 / 31, days: 1 / 24 });
});

test('a price change inside the span: each day priced by the tariff in force, the subscription of each for its days', () => {
    const pricing = priceConsumption([HPHC_2025, HPHC_2024], daily(paris, '2025-01-25', '2025-02-08', { HC: 8, HP: 10 }));
    // 7 days × (8 × 0.2068 + 10 × 0.27) + 7 days × (8 × 0.1696 + 10 × 0.2146); 15.47 × 7/31 + 15.74 × 7/28
    assertPricing(pricing, { energy: 7 * 4.3544 + 7 * 3.5028, subscription: (15.47 * 7) / 31 + 3.935, days: 14 });
    assert.deepEqual(
        pricing.energyLines.map(({ tariff, period, quantity, price }) => [tariff, period, quantity, price]),
        [
            ['2024-02-01', 'HC', 56, 0.2068],
            ['2024-02-01', 'HP', 70, 0.27],
            ['2025-02-01', 'HC', 56, 0.1696],
            ['2025-02-01', 'HP', 70, 0.2146],
        ],
    );
    assertAmount(pricing.energyLines[0].cost, 11.5808);
    assertAmount(pricing.energyLines[3].cost, 15.022);
    assert.deepEqual(
        pricing.periods.map(({ period, quantity }) => [period, quantity]),
        [
            ['HC', 112],
            ['HP', 140],
        ],
    );
    assertAmount(pricing.periods[0].cost, 11.5808 + 9.4976);
    assertAmount(pricing.periods[1].cost, 18.9 + 15.022);
    assert.deepEqual(
        pricing.subscriptionLines.map(({ tariff, amount, per, days }) => [tariff, amount, per, days]),
        [
            ['2024-02-01', 15.47, 'month', 7],
            ['2025-02-01', 15.74, 'month', 7],
        ],
    );
    assertAmount(pricing.subscriptionLines[1].cost, 3.935);
});

test('an interval straddling a price change is split by its time on either side', () => {
    // A week from Wednesday 29 January: 3 days at the old prices, 4 at the new ones.
    const pricing = priceConsumption([HPHC_2024, HPHC_2025], [days(paris, '2025-01-29', '2025-02-05', { HC: 56, HP: 70 })]);
    // 24 × 0.2068 + 30 × 0.27 + 32 × 0.1696 + 40 × 0.2146
    assertPricing(pricing, { energy: 4.9632 + 8.1 + 5.4272 + 8.584, subscription: (15.47 * 3) / 31 + (15.74 * 4) / 28, days: 7 });
    [24, 30, 32, 40].forEach((quantity, i) => assertAmount(pricing.energyLines[i].quantity, quantity, `line ${i}`));
});

test("CHF with T1 and T2: a month of an E450's two registers", () => {
    const monthly = { ...SWISS, subscription: { amount: 7.5, per: 'month' as const } };
    const pricing = priceConsumption([monthly], [days(zurich, '2025-06-01', '2025-07-01', { T1: 250.5, T2: 180.25 })]);
    // 250.5 × 0.3125 + 180.25 × 0.224 = 78.28125 + 40.376
    assertPricing(pricing, { energy: 118.65725, subscription: 7.5, days: 30 });
    assert.deepEqual([pricing.currency, pricing.unit], ['CHF', 'kWh']);
    assert.deepEqual(
        pricing.periods.map(({ period, quantity }) => [period, quantity]),
        [
            ['T1', 250.5],
            ['T2', 180.25],
        ],
    );
});

test('gas and water in m³: a yearly subscription for gas, none for water', () => {
    const gas: Tariff = { ...euros('2025-01-01', 0, { base: 1.15 }), unit: 'm³', subscription: { amount: 250, per: 'year' } };
    const water: Tariff = { ...euros('2025-01-01', 0, { base: 4.32 }), unit: 'm³', subscription: null };
    const gasPricing = priceConsumption([gas], daily(paris, '2025-11-01', '2025-11-11', { base: 4.25 }));
    // 42.5 m³ × 1.15; 250 × 10 / 365
    assertPricing(gasPricing, { energy: 48.875, subscription: 6.849315068493151, days: 10 });
    assert.equal(gasPricing.unit, 'm³');
    assertAmount(gasPricing.quantity, 42.5);
    const waterPricing = priceConsumption([water], [days(paris, '2025-11-01', '2025-11-11', { base: 3.2 })]);
    assertPricing(waterPricing, { energy: 13.824, subscription: 0, days: 10 });
    assert.deepEqual(waterPricing.subscriptionLines, []);
});

test('no data: nothing charged, no span covered; a zero is data', () => {
    const pricing = priceConsumption(
        [BASE],
        [days(paris, '2025-03-01', '2025-03-02', { base: null }), days(paris, '2025-03-02', '2025-03-03', {})],
    );
    assertPricing(pricing, { energy: 0, subscription: 0, days: null });
    assert.deepEqual([pricing.energyLines, pricing.periods, pricing.subscriptionLines, pricing.quantity], [[], [], [], 0]);
    const zero = priceConsumption([BASE], [days(paris, '2025-03-01', '2025-03-02', { base: 0 })]);
    assertPricing(zero, { energy: 0, subscription: 0.5, days: 1 });
    assert.deepEqual(zero.energyLines, [{ tariff: '2025-02-01', period: 'base', quantity: 0, price: 0.2016, cost: 0 }]);
});

test('the result is plain JSON: what the dashboard receives is what was computed', () => {
    const pricing = priceConsumption([HPHC_2024, HPHC_2025], daily(paris, '2025-01-30', '2025-02-03', { HC: 8, HP: 10 }));
    assert.deepEqual(JSON.parse(JSON.stringify(pricing)), pricing);
});

test('several series of one period add up; null stays null until a series has a value', () => {
    assert.deepEqual(consumptionOf(['base', 'base'], [3, null]), { base: 3 });
    assert.deepEqual(consumptionOf(['base', 'base'], [1.5, 2]), { base: 3.5 });
    assert.deepEqual(consumptionOf(['HC', 'HP'], [null, undefined]), { HC: null, HP: null });
    assert.deepEqual(consumptionOf(['constructor', 'toString'], [1, 2]), { constructor: 1, toString: 2 });
});

test('pricing refuses with a code and data: days without tariff, unpriced periods, bad quantities and intervals', () => {
    const january = days(paris, '2025-01-15', '2025-01-16', { HC: 5 });
    assertRefused(() => priceConsumption([HPHC_2025], [january]), 'noTariff', { date: '2025-01-15' });
    const withGap = [{ ...HPHC_2024, to: '2025-01-20' }, HPHC_2025];
    const fiveOn = (date: string, next: string) => days(paris, date, next, { HC: 5 });
    assertRefused(() => priceConsumption(withGap, [fiveOn('2025-01-25', '2025-01-26')]), 'noTariff', { date: '2025-01-25' });
    // Data on both sides of the gap, none in it: the subscription still needs a tariff every day.
    const aroundTheGap = [fiveOn('2025-01-18', '2025-01-19'), fiveOn('2025-02-03', '2025-02-04')];
    assertRefused(() => priceConsumption(withGap, aroundTheGap), 'noTariff', { date: '2025-01-21' });
    assertRefused(() => priceConsumption([HPHC_2025], [days(paris, '2025-03-01', '2025-03-02', { HC: 5, base: 0 })]), 'unpricedPeriod', {
        interval: 0,
        period: 'base',
        tariff: '2025-02-01',
    });
    assertRefused(
        () => priceConsumption([HPHC_2025], [days(paris, '2025-03-01', '2025-03-02', { HC: 5, constructor: 1 })]),
        'unpricedPeriod',
        { interval: 0, period: 'constructor', tariff: '2025-02-01' },
    );
    const march = days(paris, '2025-03-01', '2025-03-02', {});
    /** Asserts that March 1st with `changes` is refused with that code and data (after a valid March 1st, with `second`). */
    const refused = (changes: Record<string, unknown>, reason: TariffErrorReason, data: Record<string, unknown>, second = false) => {
        const interval = { ...march, ...changes };
        assertRefused(() => priceConsumption([HPHC_2025], second ? [march, interval] : [interval]), reason, data);
    };
    refused({ consumption: { HC: -1 } }, 'quantity', { interval: 1, period: 'HC', value: -1 }, true);
    refused({ consumption: { HC: '5' } }, 'quantity', { interval: 0, period: 'HC', value: '5' });
    refused({ consumption: { HP: NaN } }, 'quantity', { interval: 0, period: 'HP', value: NaN });
    refused({ end: march.start }, 'interval', { interval: 0, field: 'end', value: march.start });
    const notADay = { date: '2025-02-30', minuteOfDay: 0 };
    refused({ localStart: notADay }, 'interval', { interval: 0, field: 'localStart', value: notADay });
    const notAMinute = { date: '2025-03-02', minuteOfDay: 1440 };
    refused({ localEnd: notAMinute }, 'interval', { interval: 0, field: 'localEnd', value: notAMinute });
    refused({ consumption: [5] }, 'interval', { interval: 0, field: 'consumption', value: [5] });
    assertRefused(() => priceConsumption([], [march]), 'schedule', { value: [] });
});
