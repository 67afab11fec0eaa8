/**
 * For the tariff tests: consumption intervals (instants, and the local dates and times a zone's
 * clock shows at them), amounts compared but for binary noise, and TariffErrors checked by code and data.
 */
import * as assert from 'node:assert/strict';
import { TimeZone } from '../../lib/util/time-zone';
import { localDateTimeAt } from '../../lib/tariff/consumption-input';
import { TariffError, type TariffErrorReason } from '../../lib/tariff/tariff-error';
import type { ConsumptionInterval } from '../../lib/tariff/pricing';

export type Consumption = ConsumptionInterval['consumption'];

/** The interval [start, end) (ms) of a zone with its consumption. */
export function intervalIn(zone: TimeZone, start: number, end: number, consumption: Consumption): ConsumptionInterval {
    return { start, end, localStart: localDateTimeAt(zone, start), localEnd: localDateTimeAt(zone, end), consumption };
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
