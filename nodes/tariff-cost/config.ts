/**
 * The `tariff-cost` properties as saved in a flow file, checked and turned into typed settings,
 * and the checks a schedule and a series mapping get whether they come from the properties or
 * from a message. Part of the flow-file contract: names and values are documented in the help.
 */
import { TariffError } from '../../lib/tariff/tariff-error';
import { PERIOD_NAME, validateSchedule, type TariffSchedule } from '../../lib/tariff/tariff';
import { PropertyReader } from '../shared/properties';

export interface TariffCostProperties {
    schedule?: unknown;
    periods?: unknown;
    timeZone?: unknown;
}

export interface TariffCostSettings {
    /** The schedule the node starts from. */
    schedule: TariffSchedule;
    /** The period of each series, in series order; undefined: the series' own names. */
    periods: string[] | undefined;
    /** The meter's IANA time zone: where its days and months start. */
    timeZone: string;
}

/** Shared with the editor (the exported setting tariffCostLimits): what a period name may be. */
export const TARIFF_COST_LIMITS = { periodName: PERIOD_NAME.source } as const;

/** `describe` words a refused schedule's TariffError (the node's translation). */
export function parseTariffCost(p: TariffCostProperties, describe: (err: TariffError) => string): TariffCostSettings {
    const read = new PropertyReader('tariff-cost', p);
    const schedule = configuredSchedule(read, p.schedule, describe);
    const periods = periodList(p.periods);
    if (periods === undefined) throw read.refuse('periods', p.periods);
    const unpriced = unpricedPeriods(schedule, periods);
    if (unpriced.length > 0)
        throw read.refuse('periods', p.periods, 'tariff-cost.errors.unpricedPeriods', { periods: unpriced.join(', ') });
    return {
        schedule,
        periods: periods.length === 0 ? undefined : periods,
        timeZone: read.timeZone('timeZone', { default: 'Europe/Paris' }),
    };
}

/**
 * A list of period names from a list or a text (`HC,HP`, `HC HP`); empty when none is given;
 * undefined when it is neither, or a name is not a period name.
 */
export function periodList(value: unknown): string[] | undefined {
    if (value === undefined || value === null) return [];
    const names = Array.isArray(value)
        ? value
        : typeof value === 'string'
          ? value.split(/[\s,]+/).filter((name) => name !== '')
          : undefined;
    if (names === undefined || !names.every((name) => typeof name === 'string' && PERIOD_NAME.test(name))) return undefined;
    return names as string[];
}

/** The periods of `periods` that no tariff of the schedule prices, each named once. */
export function unpricedPeriods(schedule: TariffSchedule, periods: readonly string[]): string[] {
    const unpriced = periods.filter((period) => !schedule.some((tariff) => Object.hasOwn(tariff.prices, period)));
    return [...new Set(unpriced)];
}

/** A schedule as a message or the property holds it: a list of tariffs, or one tariff alone. */
export function scheduleFrom(value: unknown): unknown {
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? [value] : value;
}

function configuredSchedule(read: PropertyReader, value: unknown, describe: (err: TariffError) => string): TariffSchedule {
    let schedule = value;
    if (typeof value === 'string') {
        if (value.trim() === '') throw read.refuse('schedule', value, 'tariff-cost.errors.noSchedule');
        try {
            schedule = JSON.parse(value) as unknown;
        } catch (err) {
            throw read.refuse('schedule', value, 'tariff-cost.errors.scheduleJson', { error: (err as Error).message });
        }
    }
    try {
        return validateSchedule(scheduleFrom(schedule));
    } catch (err) {
        if (!(err instanceof TariffError)) throw err;
        throw read.refuse('schedule', value, 'tariff-cost.errors.schedule', { reason: describe(err) });
    }
}
