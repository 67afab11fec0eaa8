/**
 * The one tariff model every flow prices with: what the consumption of one meter, or of one fluid
 * of a site, costs from which date. Plain JSON, so that it can be kept in Node-RED's file context
 * store and edited on a dashboard.
 *
 * A tariff:
 *   from, to       local dates (YYYY-MM-DD, the meter's time zone) it applies from and to, both
 *                  included; without `to`, until the next tariff's `from` (or for ever): a price
 *                  change is a new tariff from its date
 *   currency       ISO 4217 code (EUR, CHF), as the runtime's Intl knows it
 *   unit           the unit priced (kWh, m³, …): the unit the consumption is given in
 *   subscription   a fixed charge { amount, per: 'month' | 'year' }, or null for none
 *   prices         the price of one unit in each tariff period, by period name
 *   clock          optional: which period applies at which local time (see clock.ts)
 *
 * Period names are identifiers (a letter, then letters, digits, `_` or `-`, 32 at most). The
 * conventions:
 *   base             one price at any time
 *   HC, HP           off-peak and peak hours (heures creuses, heures pleines)
 *   T1, T2           the two tariff registers of a Swiss or Austrian meter (OBIS 1.8.1, 1.8.2)
 *   blueHC … redHP   Tempo: the colour of the day, then the hours (TEMPO_PERIODS in clock.ts)
 * A Tempo tariff's clock names HC and HP: the colour of the day completes the period (tempoPeriod).
 *
 * A schedule is the list of tariffs of one meter or fluid: one currency, one unit, never two
 * tariffs on one day. Gaps are allowed; a day no tariff covers cannot be priced.
 */
import { dayNumber, tempoPeriod, TEMPO_COLOURS, validateClock, type PeriodClock } from './clock';
import { TariffError, type TariffErrorReason } from './tariff-error';

export interface Subscription {
    amount: number;
    per: 'month' | 'year';
}

export interface Tariff {
    from: string;
    to?: string;
    currency: string;
    unit: string;
    subscription: Subscription | null;
    prices: Record<string, number>;
    clock?: PeriodClock;
}

export type TariffSchedule = Tariff[];

/** The days a tariff of a schedule applies on: [firstDay, endDay) in days since 1970-01-01. */
export interface TariffValidity {
    tariff: Tariff;
    firstDay: number;
    endDay: number;
}

/** A period name: a letter, then letters, digits, `_` or `-`, 32 at most. */
export const PERIOD_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;
const UNIT_MAX_LENGTH = 16;
let isoCurrencies: ReadonlySet<string> | undefined;

/** A clean copy of a tariff (only the model's properties), or a TariffError; `index` names it in the error. */
export function validateTariff(value: unknown, index = 0): Tariff {
    const fail = (reason: TariffErrorReason, bad: unknown) => new TariffError(reason, { tariff: index, value: bad });
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fail('tariff', value);
    const { from, to, currency, unit, subscription, prices, clock } = value as Partial<Tariff>;

    const firstDay = dayNumber(from);
    if (firstDay === undefined) throw new TariffError('date', { tariff: index, field: 'from', value: from });
    if (to !== undefined && !((dayNumber(to) ?? -Infinity) >= firstDay)) {
        throw new TariffError('date', { tariff: index, field: 'to', value: to });
    }
    if (typeof currency !== 'string' || !isIsoCurrency(currency)) throw fail('currency', currency);
    if (typeof unit !== 'string' || unit.trim() === '' || unit.length > UNIT_MAX_LENGTH) throw fail('unit', unit);
    if (subscription !== null && !isSubscription(subscription)) throw fail('subscription', subscription);

    if (typeof prices !== 'object' || prices === null || Array.isArray(prices) || Object.keys(prices).length === 0) {
        throw fail('prices', prices);
    }
    const checkedPrices: Record<string, number> = {};
    for (const [period, price] of Object.entries(prices)) {
        if (!PERIOD_NAME.test(period)) throw new TariffError('period', { tariff: index, value: period });
        if (!isNonNegativeNumber(price)) throw new TariffError('price', { tariff: index, period, value: price });
        checkedPrices[period] = price;
    }
    const hasPrice = (period: string) => Object.hasOwn(checkedPrices, period);
    const pricedPerTempoColour = (period: 'HC' | 'HP') => TEMPO_COLOURS.every((colour) => hasPrice(tempoPeriod(colour, period)));
    const isPriced = (period: unknown) =>
        typeof period === 'string' && (hasPrice(period) || ((period === 'HC' || period === 'HP') && pricedPerTempoColour(period)));

    const tariff: Tariff = {
        from: from as string,
        currency,
        unit,
        subscription: subscription === null ? null : { amount: subscription.amount, per: subscription.per },
        prices: checkedPrices,
    };
    if (to !== undefined) tariff.to = to;
    if (clock !== undefined) tariff.clock = validateClock(clock, index, isPriced);
    return tariff;
}

/**
 * A clean copy of a schedule, sorted by date, or a TariffError: every tariff valid, one currency
 * and one unit, no two tariffs on one day. Errors name tariffs by their position in `value`.
 */
export function validateSchedule(value: unknown): TariffSchedule {
    if (!Array.isArray(value) || value.length === 0) throw new TariffError('schedule', { value });
    const tariffs = value.map((tariff, index) => ({ tariff: validateTariff(tariff, index), index }));
    const [first] = tariffs;
    for (const { tariff, index } of tariffs) {
        if (tariff.currency !== first.tariff.currency) {
            throw new TariffError('mixedCurrencies', { tariff: index, value: tariff.currency, expected: first.tariff.currency });
        }
        if (tariff.unit !== first.tariff.unit) {
            throw new TariffError('mixedUnits', { tariff: index, value: tariff.unit, expected: first.tariff.unit });
        }
    }
    tariffs.sort((a, b) => dayNumber(a.tariff.from)! - dayNumber(b.tariff.from)! || a.index - b.index);
    for (let i = 1; i < tariffs.length; i++) {
        const [previous, next] = [tariffs[i - 1], tariffs[i]];
        // Without `to`, a tariff ends where the next one starts: only the same `from` overlaps.
        if (dayNumber(previous.tariff.to ?? previous.tariff.from)! >= dayNumber(next.tariff.from)!) {
            throw new TariffError('overlap', { tariff: next.index, other: previous.index, date: next.tariff.from });
        }
    }
    return tariffs.map(({ tariff }) => tariff);
}

/** The days each tariff of a schedule validateSchedule returned applies on, in date order. */
export function validityOf(schedule: TariffSchedule): TariffValidity[] {
    return schedule.map((tariff, i) => {
        const next = schedule[i + 1];
        const endDay = tariff.to !== undefined ? dayNumber(tariff.to)! + 1 : next === undefined ? Infinity : dayNumber(next.from)!;
        return { tariff, firstDay: dayNumber(tariff.from)!, endDay };
    });
}

/** The tariff in force on a local date (YYYY-MM-DD), undefined when none is; validates the schedule. */
export function tariffOn(schedule: TariffSchedule, date: string): Tariff | undefined {
    const day = dayNumber(date);
    if (day === undefined) throw new TariffError('localTime', { field: 'date', value: date });
    return validityOf(validateSchedule(schedule)).find((v) => v.firstDay <= day && day < v.endDay)?.tariff;
}

/** Whether a code is an ISO 4217 currency the runtime's Intl knows (EUR, CHF; not XXX nor FRF). */
export function isIsoCurrency(code: string): boolean {
    isoCurrencies ??= new Set(Intl.supportedValuesOf('currency'));
    return isoCurrencies.has(code);
}

/** A price, an amount or a quantity: a finite number, 0 or more. */
export function isNonNegativeNumber(value: unknown): value is number {
    return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

function isSubscription(value: unknown): value is Subscription {
    if (typeof value !== 'object' || value === null) return false;
    const { amount, per } = value as Partial<Subscription>;
    return isNonNegativeNumber(amount) && (per === 'month' || per === 'year');
}
