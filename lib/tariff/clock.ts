/**
 * Local dates and times of day, and the clock windows that say which tariff period applies when.
 * Everything here is the meter's local time as a clock in its time zone shows it: the caller
 * converts instants (with the time-zone clock in lib/util) and passes the date, weekday and time
 * of day read there. Dates are plain calendar arithmetic on days since 1970-01-01, where every day
 * counts as one, whether the clocks changed on it or not.
 *
 * A clock is a list of windows and the period that applies outside them. A window runs from `from`
 * (included) to `to` (excluded), both HH:MM; `to` may be 24:00, and a `to` before `from` crosses
 * midnight (22:00–06:00). `days` are the ISO weekdays (1 = Monday … 7 = Sunday) the window STARTS
 * on: a Friday 22:00–06:00 window holds Saturday 03:00. The first window holding the time gives
 * the period, so a specific window (the weekend) is listed before a general one (every night).
 */
import { TariffError } from './tariff-error';

/** A local date and time of day. */
export interface LocalDateTime {
    /** YYYY-MM-DD */
    date: string;
    /** Minutes since local midnight, 0 ≤ minuteOfDay < 1440, seconds as a fraction. */
    minuteOfDay: number;
}

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** A local time of day on a weekday: what periodAt needs. */
export interface LocalClock {
    weekday: Weekday;
    /** Minutes since local midnight, 0 ≤ minuteOfDay < 1440, seconds as a fraction. */
    minuteOfDay: number;
}

export interface ClockWindow {
    period: string;
    /** HH:MM, the first minute in the window. */
    from: string;
    /** HH:MM, the end of the window (excluded); 24:00 is the end of the day; before `from`, the next day's. */
    to: string;
    /** The weekdays the window starts on; every day when absent. */
    days?: Weekday[];
}

export interface PeriodClock {
    windows: ClockWindow[];
    /** The period outside every window. */
    otherwise: string;
}

const DAY_MS = 86_400_000;
const MINUTES_PER_DAY = 1440;
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Days since 1970-01-01 of a YYYY-MM-DD date, undefined when it is not a real date. */
export function dayNumber(date: unknown): number | undefined {
    const match = typeof date === 'string' ? DATE_PATTERN.exec(date) : null;
    if (match === null) return undefined;
    const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const time = Date.UTC(year, month - 1, day);
    const parsed = new Date(time);
    // Date.UTC rolls 30 February over into March and reads years 0–99 as 1900–1999.
    if (parsed.getUTCFullYear() !== year || parsed.getUTCMonth() !== month - 1 || parsed.getUTCDate() !== day) return undefined;
    return time / DAY_MS;
}

/** The YYYY-MM-DD date of a day number. */
export function dateOf(day: number): string {
    return new Date(Math.floor(day) * DAY_MS).toISOString().slice(0, 10);
}

/** A local date and time as days since 1970-01-01 (12:00 is half a day), undefined when malformed. */
export function localPosition(at: unknown): number | undefined {
    if (typeof at !== 'object' || at === null) return undefined;
    const { date, minuteOfDay } = at as Partial<LocalDateTime>;
    const day = dayNumber(date);
    return day === undefined || !isMinuteOfDay(minuteOfDay) ? undefined : day + minuteOfDay / MINUTES_PER_DAY;
}

/** The period that applies at a local time, by a clock validateTariff accepted. */
export function periodAt(clock: PeriodClock, at: LocalClock): string {
    if (!isWeekday(at.weekday)) throw new TariffError('localTime', { field: 'weekday', value: at.weekday });
    if (!isMinuteOfDay(at.minuteOfDay)) throw new TariffError('localTime', { field: 'minuteOfDay', value: at.minuteOfDay });
    const dayBefore = ((at.weekday + 5) % 7) + 1;
    const window = clock.windows.find((w) => {
        const from = clockMinutes(w.from)!;
        const to = clockMinutes(w.to, true)!;
        const startsOn = (weekday: number) => w.days === undefined || (w.days as number[]).includes(weekday);
        if (from < to) return startsOn(at.weekday) && at.minuteOfDay >= from && at.minuteOfDay < to;
        return (startsOn(at.weekday) && at.minuteOfDay >= from) || (startsOn(dayBefore) && at.minuteOfDay < to);
    });
    return window === undefined ? clock.otherwise : window.period;
}

/**
 * A clean copy of a tariff's clock, or a TariffError naming the tariff (`tariff`, its position).
 * `isPriced` says whether the tariff can price a period a window names.
 */
export function validateClock(value: unknown, tariff: number, isPriced: (period: unknown) => boolean): PeriodClock {
    const fail = (window: number | null, field: string, bad: unknown) => new TariffError('window', { tariff, window, field, value: bad });
    if (typeof value !== 'object' || value === null) throw fail(null, 'clock', value);
    const { windows, otherwise } = value as Partial<PeriodClock>;
    if (!Array.isArray(windows)) throw fail(null, 'windows', windows);
    if (!isPriced(otherwise)) throw new TariffError('windowPeriod', { tariff, window: 'otherwise', period: otherwise });
    const checked = windows.map((w: Partial<ClockWindow>, i): ClockWindow => {
        if (typeof w !== 'object' || w === null) throw fail(i, 'window', w);
        if (!isPriced(w.period)) throw new TariffError('windowPeriod', { tariff, window: i, period: w.period });
        const from = clockMinutes(w.from);
        if (from === undefined) throw fail(i, 'from', w.from);
        const to = clockMinutes(w.to, true);
        if (to === undefined || to === from) throw fail(i, 'to', w.to);
        if (w.days === undefined) return { period: w.period as string, from: w.from!, to: w.to! };
        if (!Array.isArray(w.days) || w.days.length === 0 || !w.days.every(isWeekday)) throw fail(i, 'days', w.days);
        return { period: w.period as string, from: w.from!, to: w.to!, days: [...w.days] };
    });
    return { windows: checked, otherwise: otherwise as string };
}

/**
 * Tempo's colours of day, and its six periods in the order of the Téléinfo indexes BBRHCJB,
 * BBRHPJB, BBRHCJW, BBRHPJW, BBRHCJR, BBRHPJR (EASF01 to EASF06 of a Tempo Linky in standard mode).
 */
export const TEMPO_COLOURS = ['blue', 'white', 'red'] as const;
export type TempoColour = (typeof TEMPO_COLOURS)[number];
export const TEMPO_PERIODS: readonly string[] = TEMPO_COLOURS.flatMap((colour) => [tempoPeriod(colour, 'HC'), tempoPeriod(colour, 'HP')]);

/** Tempo's hours on every colour of day: HC 22:00–06:00, HP otherwise. */
export const TEMPO_CLOCK: PeriodClock = { windows: [{ period: 'HC', from: '22:00', to: '06:00' }], otherwise: 'HP' };

/** The Tempo period of a colour of day and an hour of TEMPO_CLOCK: blueHC … redHP. */
export function tempoPeriod(colour: TempoColour, hours: 'HC' | 'HP'): string {
    return colour + hours;
}

/** The date whose colour applies at a local time: a Tempo day runs from 06:00 to 06:00 the next day. */
export function tempoDay(at: LocalDateTime): string {
    const position = localPosition(at);
    if (position === undefined) throw new TariffError('localTime', { field: 'at', value: at });
    return dateOf(position - 0.25);
}

/** Minutes since midnight of an HH:MM time (24:00 only where `endOfDay` is allowed), undefined when malformed. */
function clockMinutes(text: unknown, endOfDay = false): number | undefined {
    if (endOfDay && text === '24:00') return MINUTES_PER_DAY;
    const match = typeof text === 'string' ? TIME_PATTERN.exec(text) : null;
    return match === null ? undefined : Number(match[1]) * 60 + Number(match[2]);
}

function isWeekday(value: unknown): value is Weekday {
    return Number.isInteger(value) && (value as number) >= 1 && (value as number) <= 7;
}

function isMinuteOfDay(value: unknown): value is number {
    return typeof value === 'number' && value >= 0 && value < MINUTES_PER_DAY;
}
