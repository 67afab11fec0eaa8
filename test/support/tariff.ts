/**
 * For the tariff tests: consumption intervals (instants, and the local dates and times a zone's
 * clock shows at them), influx-history's charts of energy indexes, amounts compared but for binary
 * noise, and TariffErrors checked by code and data.
 */
import * as assert from 'node:assert/strict';
import { chartOf, planHistory, type ChartPayload, type HistoryPlan, type HistoryRange } from '../../lib/store/history-query';
import { TimeZone } from '../../lib/util/time-zone';
import { localDateTimeAt } from '../../lib/tariff/consumption-input';
import { TariffError, type TariffErrorReason } from '../../lib/tariff/tariff-error';
import { consumptionOf, type ConsumptionInterval } from '../../lib/tariff/pricing';
import type { Tariff } from '../../lib/tariff/tariff';

export type Consumption = ConsumptionInterval['consumption'];

/** French regulated HP/HC prices, € TTC, 6 kVA, from 1 February 2025. */
export const HPHC: Tariff = {
    from: '2025-02-01',
    currency: 'EUR',
    unit: 'kWh',
    subscription: { amount: 15.74, per: 'month' },
    prices: { HC: 0.1696, HP: 0.2146 },
};

/** The interval [start, end) (ms) of a zone with its consumption. */
export function intervalIn(zone: TimeZone, start: number, end: number, consumption: Consumption): ConsumptionInterval {
    return { start, end, localStart: localDateTimeAt(zone, start), localEnd: localDateTimeAt(zone, end), consumption };
}

/** A chart as influx-history sends it: msg.payload, and msg.history. */
export interface HistoryChart {
    payload: ChartPayload;
    history: { range: HistoryRange; start: number; end: number };
}

/** The plan of an influx-history view of energy indexes in Wh shown in kWh, in Paris, as the home Linky flow asks for it. */
export function energyHistoryPlan(range: HistoryRange, end: number, fields: readonly string[]): HistoryPlan {
    return planHistory({
        range,
        end,
        timeZone: 'Europe/Paris',
        measurement: 'teleinfo',
        meterTag: 'meter',
        meter: '',
        fields: fields.map((name) => ({ name, kind: 'energy' as const })),
        available: { raw: { days: 0 } },
        energyScale: 0.001,
    });
}

/** The chart of a plan from the rows InfluxDB answers ([time ms, one index per field], oldest first). */
export function historyChart(plan: HistoryPlan, rows: readonly (readonly unknown[])[]): HistoryChart {
    return {
        payload: chartOf(plan, rows),
        history: { range: plan.range, start: plan.bounds[0], end: plan.bounds[plan.bounds.length - 1] },
    };
}

/**
 * The chart of a view ending at `end` of meters whose indexes (Wh) grow by `growth(field, bucket)`
 * in each bucket of the view: a row a bucket, none empty, from the one before the view (the first
 * interval's reference index).
 */
export function growingIndexesChart(
    range: HistoryRange,
    end: number,
    fields: readonly string[],
    growth: (field: number, bucket: number) => number,
): HistoryChart & { plan: HistoryPlan } {
    const plan = energyHistoryPlan(range, end, fields);
    const indexes = fields.map(() => 1_000_000);
    const starts = [plan.bounds[0] - (plan.bounds[1] - plan.bounds[0]), ...plan.bounds.slice(0, -1)];
    const rows = starts.map((time, bucket) => [
        time,
        ...indexes.map((index, f) => (indexes[f] = index + (bucket === 0 ? 0 : growth(f, bucket)))),
    ]);
    return { plan, ...historyChart(plan, rows) };
}

/**
 * The intervals of a chart of a plan in Paris, point i of each series in the period `periods[i]`
 * names, the one holding `now` ending then: the reference lib/tariff's readers are checked against.
 */
export function chartIntervals(
    plan: HistoryPlan,
    payload: ChartPayload,
    periods: readonly string[],
    now = Infinity,
): ConsumptionInterval[] {
    const paris = new TimeZone('Europe/Paris');
    return plan.bounds.slice(0, -1).map((start, i) =>
        intervalIn(
            paris,
            start,
            Math.min(plan.bounds[i + 1], now),
            consumptionOf(
                periods,
                payload[0].data.map((series) => series[i].y),
            ),
        ),
    );
}

/** Asserts two numbers equal but for the binary noise of sums: relative to them, or to 1 below 1. */
export function assertAmount(actual: number, expected: number, what = 'amount', tolerance = 1e-12): void {
    assert.ok(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${what}: ${actual}, expected ${expected}`);
}

/** Asserts that `run` throws a TariffError with that code and exactly that data. */
export function assertRefused(run: () => unknown, reason: TariffErrorReason, data: Record<string, unknown>): void {
    assert.throws(run, (err: unknown) => {
        assert.ok(err instanceof TariffError, `a TariffError, not ${String(err)}`);
        assert.equal(err.reason, reason);
        assert.deepEqual(err.data, data);
        return true;
    });
}
