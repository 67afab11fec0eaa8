/**
 * The tariff model on its own: what validation accepts and refuses (each refusal a code with its
 * data), which tariff is in force on a date, and the clock windows that say which period applies
 * at a local time (across midnight, weekday and weekend, Tempo days).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import {
    periodAt,
    TEMPO_CLOCK,
    TEMPO_PERIODS,
    tempoDay,
    tempoPeriod,
    type ClockWindow,
    type LocalClock,
    type PeriodClock,
    type Weekday,
} from '../../lib/tariff/clock';
import { tariffOn, validateSchedule, validateTariff, type Tariff } from '../../lib/tariff/tariff';
import type { TariffErrorReason } from '../../lib/tariff/tariff-error';
import { assertRefused, HPHC } from '../support/tariff';

const TEMPO_PRICES = { blueHC: 0.1288, blueHP: 0.1552, whiteHC: 0.1447, whiteHP: 0.1792, redHC: 0.1518, redHP: 0.6586 };
const NIGHTS = { period: 'HC', from: '22:00', to: '06:00' };

const MONDAY = 1;
const FRIDAY = 5;
const SATURDAY = 6;
const SUNDAY = 7;
const at = (weekday: number, time: string): LocalClock => {
    const [hour, minute] = time.split(':').map(Number);
    return { weekday: weekday as Weekday, minuteOfDay: hour * 60 + minute };
};
/** Asserts that HPHC with `changes` is refused with that code and data. */
const refusesTariff = (changes: Record<string, unknown>, reason: TariffErrorReason, data: Record<string, unknown>) => {
    assertRefused(() => validateTariff({ ...HPHC, ...changes }), reason, data);
};
/** Asserts that HPHC with a clock made of `windows` and HP otherwise is refused with that code and data. */
const refusesWindows = (windows: unknown[], reason: TariffErrorReason, data: Record<string, unknown>) => {
    refusesTariff({ clock: { windows, otherwise: 'HP' } }, reason, data);
};

test("a valid tariff comes back as a clean copy: only the model's properties, JSON in and out", () => {
    const edited = { ...HPHC, to: '2026-01-31', $$hashKey: 'object:12', clock: { windows: [{ ...NIGHTS, note: 'x' }], otherwise: 'HP' } };
    const tariff = validateTariff(JSON.parse(JSON.stringify(edited)));
    assert.deepEqual(tariff, { ...HPHC, to: '2026-01-31', clock: { windows: [NIGHTS], otherwise: 'HP' } });
    assert.deepEqual(JSON.parse(JSON.stringify(tariff)), tariff);
    const water = validateTariff({ ...HPHC, subscription: null, unit: 'm³', currency: 'CHF', prices: { T1: 0, T2: 0.224 } });
    assert.deepEqual([water.subscription, water.unit, water.prices], [null, 'm³', { T1: 0, T2: 0.224 }]);
});

test('a tariff is refused with a code and data: currency, unit, subscription, prices, period names, dates', () => {
    assertRefused(() => validateTariff(null), 'tariff', { tariff: 0, value: null });
    assertRefused(() => validateTariff([HPHC], 3), 'tariff', { tariff: 3, value: [HPHC] });
    refusesTariff({ currency: 'EURO' }, 'currency', { tariff: 0, value: 'EURO' });
    refusesTariff({ currency: 'eur' }, 'currency', { tariff: 0, value: 'eur' });
    // XXX (no currency) and FRF (withdrawn in 2002) are ISO 4217 codes, but not currencies one pays in today.
    refusesTariff({ currency: 'XXX' }, 'currency', { tariff: 0, value: 'XXX' });
    refusesTariff({ currency: 'FRF' }, 'currency', { tariff: 0, value: 'FRF' });
    refusesTariff({ unit: ' ' }, 'unit', { tariff: 0, value: ' ' });
    refusesTariff({ subscription: undefined }, 'subscription', { tariff: 0, value: undefined });
    refusesTariff({ subscription: { amount: -1, per: 'month' } }, 'subscription', { tariff: 0, value: { amount: -1, per: 'month' } });
    refusesTariff({ subscription: { amount: 15, per: 'week' } }, 'subscription', { tariff: 0, value: { amount: 15, per: 'week' } });
    refusesTariff({ prices: {} }, 'prices', { tariff: 0, value: {} });
    refusesTariff({ prices: [0.2] }, 'prices', { tariff: 0, value: [0.2] });
    refusesTariff({ prices: { 'heures creuses': 0.1696 } }, 'period', { tariff: 0, value: 'heures creuses' });
    refusesTariff({ prices: JSON.parse('{"__proto__": 0.1}') }, 'period', { tariff: 0, value: '__proto__' });
    refusesTariff({ prices: { HC: 0.1696, HP: -0.2146 } }, 'price', { tariff: 0, period: 'HP', value: -0.2146 });
    refusesTariff({ prices: { HC: '0.1696' } }, 'price', { tariff: 0, period: 'HC', value: '0.1696' });
    refusesTariff({ prices: { HC: Infinity } }, 'price', { tariff: 0, period: 'HC', value: Infinity });
    refusesTariff({ from: '2025-02-29' }, 'date', { tariff: 0, field: 'from', value: '2025-02-29' });
    refusesTariff({ from: '1/2/2025' }, 'date', { tariff: 0, field: 'from', value: '1/2/2025' });
    refusesTariff({ to: '2025-01-31' }, 'date', { tariff: 0, field: 'to', value: '2025-01-31' });
    refusesTariff({ to: '2025-13-01' }, 'date', { tariff: 0, field: 'to', value: '2025-13-01' });
    assert.equal(validateTariff({ ...HPHC, from: '2024-02-29', to: '2024-02-29' }).to, '2024-02-29');
});

test('a schedule: sorted by date, one currency and one unit, never two tariffs on one day, errors naming positions given', () => {
    const before: Tariff = { ...HPHC, from: '2024-02-01', subscription: { amount: 15.47, per: 'month' }, prices: { HC: 0.2068, HP: 0.27 } };
    assert.deepEqual(
        validateSchedule([HPHC, before]).map((t) => t.from),
        ['2024-02-01', '2025-02-01'],
    );
    // A tariff that ends with `to`, a gap, then the next one: allowed.
    assert.equal(validateSchedule([{ ...before, to: '2024-12-31' }, HPHC]).length, 2);
    assertRefused(() => validateSchedule([]), 'schedule', { value: [] });
    assertRefused(() => validateSchedule(HPHC), 'schedule', { value: HPHC });
    assertRefused(() => validateSchedule([HPHC, { ...before, prices: { HC: -1 } }]), 'price', { tariff: 1, period: 'HC', value: -1 });
    assertRefused(() => validateSchedule([before, { ...HPHC, currency: 'CHF' }]), 'mixedCurrencies', {
        tariff: 1,
        value: 'CHF',
        expected: 'EUR',
    });
    assertRefused(() => validateSchedule([before, { ...HPHC, unit: 'Wh' }]), 'mixedUnits', { tariff: 1, value: 'Wh', expected: 'kWh' });
    assertRefused(() => validateSchedule([HPHC, { ...before, from: '2025-02-01' }]), 'overlap', { tariff: 1, other: 0, date: HPHC.from });
    // Given newest first: the error still names positions in the list given.
    assertRefused(() => validateSchedule([HPHC, { ...before, to: '2025-02-01' }]), 'overlap', { tariff: 0, other: 1, date: '2025-02-01' });
    assert.equal(validateSchedule([HPHC, { ...before, to: '2025-01-31' }]).length, 2);
});

test("the tariff in force on a date: from its `from`, to its `to` included or the next one's `from`, none in a gap", () => {
    const first = { ...HPHC, from: '2023-08-01', to: '2024-01-31', prices: { HC: 0.1828, HP: 0.246 } };
    const second = { ...HPHC, from: '2024-02-01', prices: { HC: 0.2068, HP: 0.27 } };
    const schedule = [HPHC, second, first];
    assert.equal(tariffOn(schedule, '2023-07-31'), undefined);
    assert.equal(tariffOn(schedule, '2023-08-01')?.prices.HC, 0.1828);
    assert.equal(tariffOn(schedule, '2024-01-31')?.prices.HC, 0.1828);
    assert.equal(tariffOn(schedule, '2024-02-01')?.prices.HC, 0.2068);
    assert.equal(tariffOn(schedule, '2025-01-31')?.prices.HC, 0.2068);
    assert.equal(tariffOn(schedule, '2025-02-01')?.prices.HC, 0.1696);
    assert.equal(tariffOn(schedule, '2099-12-31')?.prices.HC, 0.1696);
    assert.equal(tariffOn([{ ...first, to: '2024-01-15' }, second], '2024-01-20'), undefined);
    assertRefused(() => tariffOn(schedule, '2024-02-30'), 'localTime', { field: 'date', value: '2024-02-30' });
});

test('clock: HC 22:00–06:00 every day, across midnight, to the minute', () => {
    const clock = validateTariff({ ...HPHC, clock: { windows: [NIGHTS], otherwise: 'HP' } }).clock!;
    assert.equal(periodAt(clock, at(MONDAY, '21:59')), 'HP');
    assert.equal(periodAt(clock, at(MONDAY, '22:00')), 'HC');
    assert.equal(periodAt(clock, { weekday: MONDAY, minuteOfDay: 1439.99 }), 'HC');
    assert.equal(periodAt(clock, at(MONDAY, '00:00')), 'HC');
    assert.equal(periodAt(clock, at(SUNDAY, '05:59')), 'HC');
    assert.equal(periodAt(clock, at(SUNDAY, '06:00')), 'HP');
    assert.equal(periodAt(clock, at(SUNDAY, '12:00')), 'HP');
});

test('clock: several windows (an Enedis HC split in two blocks) and a window ending at 24:00', () => {
    const clock: PeriodClock = {
        windows: [
            { period: 'HC', from: '02:00', to: '07:00' },
            { period: 'HC', from: '13:00', to: '16:00' },
        ],
        otherwise: 'HP',
    };
    validateTariff({ ...HPHC, clock });
    assert.deepEqual(
        ['01:59', '02:00', '06:59', '07:00', '12:59', '13:00', '15:59', '16:00'].map((t) => periodAt(clock, at(MONDAY, t))),
        ['HP', 'HC', 'HC', 'HP', 'HP', 'HC', 'HC', 'HP'],
    );
    const evening: PeriodClock = { windows: [{ period: 'HC', from: '20:00', to: '24:00' }], otherwise: 'HP' };
    validateTariff({ ...HPHC, clock: evening });
    assert.deepEqual(
        ['19:59', '20:00', '23:59', '00:00'].map((t) => periodAt(evening, at(MONDAY, t))),
        ['HP', 'HC', 'HC', 'HP'],
    );
});

test('clock: weekday and weekend (Swiss T1/T2), a night belongs to the day it starts on, the first window holding the time wins', () => {
    // T1 (high rate) on weekdays 07:00–20:00 and Saturday 07:00–13:00; T2 (low rate) on weekday
    // nights and the rest of the weekend. Saturday morning is listed before the whole weekend.
    const windows: ClockWindow[] = [
        { period: 'T1', from: '07:00', to: '13:00', days: [SATURDAY] },
        { period: 'T2', from: '00:00', to: '24:00', days: [SATURDAY, SUNDAY] },
        { period: 'T2', from: '20:00', to: '07:00', days: [1, 2, 3, 4, 5] },
    ];
    const clock = validateTariff({
        from: '2025-01-01',
        currency: 'CHF',
        unit: 'kWh',
        subscription: { amount: 7.5, per: 'month' },
        prices: { T1: 0.3125, T2: 0.224 },
        clock: { windows, otherwise: 'T1' },
    }).clock!;
    assert.equal(periodAt(clock, at(MONDAY, '06:59')), 'T1', "Monday early morning: Sunday's night window does not exist");
    assert.equal(periodAt(clock, at(MONDAY, '07:00')), 'T1');
    assert.equal(periodAt(clock, at(MONDAY, '20:00')), 'T2');
    assert.equal(periodAt(clock, at(2, '03:00')), 'T2', "Tuesday 03:00: Monday's night");
    assert.equal(periodAt(clock, at(FRIDAY, '19:59')), 'T1');
    assert.equal(periodAt(clock, at(SATURDAY, '06:59')), 'T2', "Saturday morning: Friday's night and the weekend");
    assert.equal(periodAt(clock, at(SATURDAY, '07:00')), 'T1');
    assert.equal(periodAt(clock, at(SATURDAY, '12:59')), 'T1');
    assert.equal(periodAt(clock, at(SATURDAY, '13:00')), 'T2');
    assert.equal(periodAt(clock, at(SUNDAY, '10:00')), 'T2');
    assert.equal(periodAt(clock, at(SUNDAY, '23:59')), 'T2');
    const weekendFirst = { windows: [windows[1], windows[0]], otherwise: 'T1' };
    assert.equal(periodAt(weekendFirst, at(SATURDAY, '10:00')), 'T2', 'the whole weekend first: it wins');

    // Friday's night only: Saturday 03:00 is in it, Friday 03:00 is not (Thursday has no window).
    const fridayNight: PeriodClock = { windows: [{ period: 'T2', from: '22:00', to: '06:00', days: [FRIDAY] }], otherwise: 'T1' };
    assert.equal(periodAt(fridayNight, at(SATURDAY, '03:00')), 'T2');
    assert.equal(periodAt(fridayNight, at(FRIDAY, '03:00')), 'T1');
    assert.equal(periodAt(fridayNight, at(FRIDAY, '22:30')), 'T2');
    // Sunday's night runs into Monday.
    const sundayNight: PeriodClock = { windows: [{ period: 'T2', from: '22:00', to: '06:00', days: [SUNDAY] }], otherwise: 'T1' };
    assert.equal(periodAt(sundayNight, at(MONDAY, '05:00')), 'T2');
    assert.equal(periodAt(sundayNight, at(SUNDAY, '05:00')), 'T1');
});

test('clock: malformed windows and local times are refused with a code and data', () => {
    refusesTariff({ clock: 'HC 22-06' }, 'window', { tariff: 0, window: null, field: 'clock', value: 'HC 22-06' });
    refusesTariff({ clock: { otherwise: 'HP' } }, 'window', { tariff: 0, window: null, field: 'windows', value: undefined });
    refusesTariff({ clock: { windows: [], otherwise: 'HPJR' } }, 'windowPeriod', { tariff: 0, window: 'otherwise', period: 'HPJR' });
    refusesWindows([{ period: 'HCH', from: '22:00', to: '06:00' }], 'windowPeriod', { tariff: 0, window: 0, period: 'HCH' });
    refusesWindows([{ period: 'HC', from: '24:00', to: '06:00' }], 'window', { tariff: 0, window: 0, field: 'from', value: '24:00' });
    refusesWindows([{ period: 'HC', from: '22:00', to: '6:00' }], 'window', { tariff: 0, window: 0, field: 'to', value: '6:00' });
    refusesWindows([{ period: 'HC', from: '22:00', to: '22:00' }], 'window', { tariff: 0, window: 0, field: 'to', value: '22:00' });
    refusesWindows([NIGHTS, { period: 'HC', from: '12:00', to: '14:00', days: [0, 6] }], 'window', {
        tariff: 0,
        window: 1,
        field: 'days',
        value: [0, 6],
    });
    refusesWindows([{ period: 'HC', from: '12:00', to: '14:00', days: [] }], 'window', { tariff: 0, window: 0, field: 'days', value: [] });
    assertRefused(() => periodAt(TEMPO_CLOCK, { weekday: 0 as Weekday, minuteOfDay: 0 }), 'localTime', { field: 'weekday', value: 0 });
    assertRefused(() => periodAt(TEMPO_CLOCK, { weekday: SUNDAY, minuteOfDay: 1440 }), 'localTime', { field: 'minuteOfDay', value: 1440 });
});

test('Tempo: six periods, HC/HP from the clock and the colour of the Tempo day, which runs 06:00 to 06:00', () => {
    assert.deepEqual(TEMPO_PERIODS, ['blueHC', 'blueHP', 'whiteHC', 'whiteHP', 'redHC', 'redHP']);
    const tempo = validateTariff({ ...HPHC, prices: TEMPO_PRICES, clock: TEMPO_CLOCK });
    assert.deepEqual(tempo.clock, TEMPO_CLOCK);
    // A clock naming HC needs the three colours' HC priced.
    const withoutRedHC = Object.fromEntries(Object.entries(TEMPO_PRICES).filter(([period]) => period !== 'redHC'));
    refusesTariff({ prices: withoutRedHC, clock: TEMPO_CLOCK }, 'windowPeriod', { tariff: 0, window: 0, period: 'HC' });

    // Say Thursday 9 January 2025 is a red day and Friday 10 January a white one.
    const colours: Record<string, 'red' | 'white'> = { '2025-01-09': 'red', '2025-01-10': 'white' };
    const priced = (date: string, weekday: Weekday, time: string) => {
        const clock = at(weekday, time);
        return tempoPeriod(colours[tempoDay({ date, minuteOfDay: clock.minuteOfDay })], periodAt(tempo.clock!, clock) as 'HC' | 'HP');
    };
    assert.equal(priced('2025-01-09', 4, '06:00'), 'redHP');
    assert.equal(priced('2025-01-09', 4, '21:59'), 'redHP');
    assert.equal(priced('2025-01-09', 4, '22:00'), 'redHC');
    assert.equal(priced('2025-01-10', FRIDAY, '05:59'), 'redHC', "before 06:00 the red day's night goes on");
    assert.equal(priced('2025-01-10', FRIDAY, '06:00'), 'whiteHP');
    assert.equal(tempoDay({ date: '2025-01-01', minuteOfDay: 300 }), '2024-12-31');
    assert.equal(tempoDay({ date: '2024-03-01', minuteOfDay: 0 }), '2024-02-29');
    const beforeMidnight = { date: '2025-01-01', minuteOfDay: -1 };
    assertRefused(() => tempoDay(beforeMidnight), 'localTime', { field: 'at', value: beforeMidnight });
});
