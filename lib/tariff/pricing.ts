/**
 * What a span of consumption costs under a schedule of tariffs: the energy cost per tariff period,
 * the subscription for the span that has data, their total, and lines a dashboard table can show.
 *
 * The consumption comes as intervals (a chart's 10 minutes, days or months; a single interval for
 * a total over a span), each with its start and end instants, the local date and time at both, and
 * a quantity per tariff period in the tariffs' unit (null or absent: nothing known).
 *
 * - Energy: each interval is priced by the tariff in force on its local dates. An interval that
 *   straddles a price change is split in proportion to its time on either side, as if consumed
 *   evenly: intervals of a day or less, or aligned on the changes, are priced exactly. A quantity
 *   (even 0) in a period the tariff in force does not price is refused: series that one tariff
 *   prices alike are summed first (consumptionOf).
 * - Subscription: charged over the span that has data, from the start of the first interval with
 *   a quantity to the end of the last one, not over the whole view: a year view over 35 days of
 *   data charges 35 days. An interval's start and end should therefore be where its data lies: the
 *   current interval ends now. The charge is prorated by local days in each calendar month (for a
 *   monthly amount) or calendar year (for a yearly one): 10 days of a 31-day January are 10/31 of
 *   a month, a day of 2024 is 1/366 of a year; every local day counts as one, 23 or 25 hours long.
 *   The result says which span was charged (`covered`).
 * - Amounts are numbers in the schedule's currency, never rounded here: the caller rounds for
 *   display (to the currency's minor unit).
 */
import { dateOf, localPosition, type LocalDateTime } from './clock';
import { TariffError } from './tariff-error';
import { isNonNegativeNumber, validateSchedule, validityOf, type Subscription, type TariffSchedule, type TariffValidity } from './tariff';

export interface ConsumptionInterval {
    /** The first instant (ms since the epoch). */
    start: number;
    /** The instant after the last (ms since the epoch). */
    end: number;
    /** The local date and time at `start` and at `end`. */
    localStart: LocalDateTime;
    localEnd: LocalDateTime;
    /** Quantity consumed in each tariff period, in the tariffs' unit; null or absent where nothing is known. */
    consumption: Readonly<Record<string, number | null | undefined>>;
}

/** A period's consumption under one tariff: a row of the dashboard's table. */
export interface EnergyLine {
    /** The `from` date of the tariff in force. */
    tariff: string;
    period: string;
    quantity: number;
    /** The price of one unit. */
    price: number;
    cost: number;
}

export interface PeriodTotal {
    period: string;
    quantity: number;
    cost: number;
}

/** The subscription of one tariff over the part of the covered span it is in force. */
export interface SubscriptionLine {
    tariff: string;
    amount: number;
    per: Subscription['per'];
    /** Local days charged (a fraction where the span starts or ends inside a day). */
    days: number;
    cost: number;
}

/** The span the subscription covers: from the start of the first interval with data to the end of the last. */
export interface CoveredSpan {
    start: number;
    end: number;
    localStart: LocalDateTime;
    localEnd: LocalDateTime;
    days: number;
}

export interface Pricing {
    currency: string;
    unit: string;
    /** Null when no interval has data: nothing is charged. */
    covered: CoveredSpan | null;
    /** In date order, then in the order of the tariff's prices. */
    energyLines: EnergyLine[];
    /** Per period over the whole span, whatever the tariffs, in the order the lines name them. */
    periods: PeriodTotal[];
    /** Total quantity, all periods. */
    quantity: number;
    energy: number;
    subscriptionLines: SubscriptionLine[];
    subscription: number;
    total: number;
}

/** An interval with data, checked: local positions in days since 1970-01-01. */
interface Measured {
    index: number;
    interval: ConsumptionInterval;
    from: number;
    to: number;
    quantities: [period: string, quantity: number][];
}

const DAY_MS = 86_400_000;

/** Prices consumption intervals under a schedule (validated here); throws a TariffError. */
export function priceConsumption(schedule: TariffSchedule, intervals: readonly ConsumptionInterval[]): Pricing {
    const tariffs = validityOf(validateSchedule(schedule));
    const measured = intervals.map(measure).filter((m) => m.quantities.length > 0);
    const energyLines = energyLinesOf(tariffs, measured);
    const periods = periodTotalsOf(energyLines);
    const covered = coveredSpan(measured);
    const subscriptionLines = covered === null ? [] : subscriptionLinesOf(tariffs, covered.from, covered.to);
    const energy = sum(energyLines.map((line) => line.cost));
    const subscription = sum(subscriptionLines.map((line) => line.cost));
    return {
        currency: tariffs[0].tariff.currency,
        unit: tariffs[0].tariff.unit,
        covered: covered === null ? null : covered.span,
        energyLines,
        periods,
        quantity: sum(periods.map((p) => p.quantity)),
        energy,
        subscriptionLines,
        subscription,
        total: energy + subscription,
    };
}

/**
 * Sums the values of series into periods: `periods[i]` names the period of `values[i]`, several
 * series may share one (the home meter's HC and HP indexes both priced at Base). Null where no
 * series of the period has a value.
 */
export function consumptionOf(periods: readonly string[], values: readonly (number | null | undefined)[]): Record<string, number | null> {
    const consumption = new Map<string, number | null>();
    periods.forEach((period, i) => {
        const value = values[i];
        const known = consumption.get(period) ?? null;
        consumption.set(period, typeof value === 'number' ? (known ?? 0) + value : known);
    });
    return Object.fromEntries(consumption);
}

function measure(interval: ConsumptionInterval, index: number): Measured {
    const fail = (field: string | null, value: unknown) => new TariffError('interval', { interval: index, field, value });
    if (typeof interval !== 'object' || interval === null) throw fail(null, interval);
    const { start, end, localStart, localEnd, consumption } = interval;
    if (typeof start !== 'number' || !Number.isFinite(start)) throw fail('start', start);
    if (typeof end !== 'number' || !Number.isFinite(end) || end <= start) throw fail('end', end);
    const from = localPosition(localStart);
    if (from === undefined) throw fail('localStart', localStart);
    const localTo = localPosition(localEnd);
    if (localTo === undefined) throw fail('localEnd', localEnd);
    if (typeof consumption !== 'object' || consumption === null || Array.isArray(consumption)) throw fail('consumption', consumption);

    const quantities: [string, number][] = [];
    for (const [period, quantity] of Object.entries(consumption)) {
        if (quantity === null || quantity === undefined) continue;
        if (!isNonNegativeNumber(quantity)) throw new TariffError('quantity', { interval: index, period, value: quantity });
        quantities.push([period, quantity]);
    }
    return { index, interval, from, to: localExtentEnd(from, localTo, start, end), quantities };
}

/**
 * Where an interval ends in local days: its local end, unless the clocks went back inside it so
 * that the local end is not after the local start; then its length in real time.
 */
function localExtentEnd(from: number, localTo: number, start: number, end: number): number {
    return localTo > from ? localTo : from + (end - start) / DAY_MS;
}

/** The quantity of each period under each tariff, priced: in date order, then in the order of the tariff's prices. */
function energyLinesOf(tariffs: readonly TariffValidity[], measured: readonly Measured[]): EnergyLine[] {
    const quantities = new Map<TariffValidity, Map<string, number>>(tariffs.map((v) => [v, new Map()]));
    for (const { index, from, to, quantities: consumed } of measured) {
        for (const { validity, start, end } of segmentsOf(tariffs, from, to)) {
            const share = (end - start) / (to - from);
            const perPeriod = quantities.get(validity)!;
            for (const [period, quantity] of consumed) {
                if (!Object.hasOwn(validity.tariff.prices, period)) {
                    throw new TariffError('unpricedPeriod', { interval: index, period, tariff: validity.tariff.from });
                }
                perPeriod.set(period, (perPeriod.get(period) ?? 0) + quantity * share);
            }
        }
    }
    return tariffs.flatMap((validity) =>
        Object.entries(validity.tariff.prices)
            .filter(([period]) => quantities.get(validity)!.has(period))
            .map(([period, price]) => {
                const quantity = quantities.get(validity)!.get(period)!;
                return { tariff: validity.tariff.from, period, quantity, price, cost: quantity * price };
            }),
    );
}

function periodTotalsOf(lines: readonly EnergyLine[]): PeriodTotal[] {
    const periods: PeriodTotal[] = [];
    for (const line of lines) {
        const total = periods.find((p) => p.period === line.period);
        if (total === undefined) periods.push({ period: line.period, quantity: line.quantity, cost: line.cost });
        else {
            total.quantity += line.quantity;
            total.cost += line.cost;
        }
    }
    return periods;
}

/** The subscription of each tariff in force over [from, to), in local days. */
function subscriptionLinesOf(tariffs: readonly TariffValidity[], from: number, to: number): SubscriptionLine[] {
    return segmentsOf(tariffs, from, to).flatMap(({ validity, start, end }) => {
        const subscription = validity.tariff.subscription;
        if (subscription === null) return [];
        const { amount, per } = subscription;
        return [{ tariff: validity.tariff.from, amount, per, days: end - start, cost: amount * calendarUnits(start, end, per) }];
    });
}

function coveredSpan(measured: readonly Measured[]): { span: CoveredSpan; from: number; to: number } | null {
    if (measured.length === 0) return null;
    const first = measured.reduce((a, b) => (b.interval.start < a.interval.start ? b : a));
    const last = measured.reduce((a, b) => (b.interval.end > a.interval.end ? b : a));
    const from = first.from;
    const to = localExtentEnd(from, localPosition(last.interval.localEnd)!, first.interval.start, last.interval.end);
    const span = {
        start: first.interval.start,
        end: last.interval.end,
        localStart: { ...first.interval.localStart },
        localEnd: { ...last.interval.localEnd },
        days: to - from,
    };
    return { span, from, to };
}

/** A part of a span under one tariff, in local days. */
interface Segment {
    validity: TariffValidity;
    start: number;
    end: number;
}

/** [from, to) cut where the tariff in force changes; a TariffError on the first day no tariff covers. */
function segmentsOf(tariffs: readonly TariffValidity[], from: number, to: number): Segment[] {
    const segments: Segment[] = [];
    let cursor = from;
    for (const validity of tariffs) {
        if (cursor >= to || validity.firstDay > cursor) break;
        if (validity.endDay <= cursor) continue;
        const end = Math.min(to, validity.endDay);
        segments.push({ validity, start: cursor, end });
        cursor = end;
    }
    if (cursor < to) throw new TariffError('noTariff', { date: dateOf(cursor) });
    return segments;
}

/** How many calendar months (or years) [from, to) spans: each one's days in the span over its days. */
function calendarUnits(from: number, to: number, per: Subscription['per']): number {
    const first = new Date(Math.floor(from) * DAY_MS);
    let year = first.getUTCFullYear();
    let month = per === 'month' ? first.getUTCMonth() : 0;
    let units = 0;
    for (let start = Date.UTC(year, month, 1) / DAY_MS; start < to;) {
        if (per === 'month') month++;
        else year++;
        const end = Date.UTC(year, month, 1) / DAY_MS;
        units += (Math.min(to, end) - Math.max(from, start)) / (end - start);
        start = end;
    }
    return units;
}

function sum(values: readonly number[]): number {
    return values.reduce((total, value) => total + value, 0);
}
