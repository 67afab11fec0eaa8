/**
 * Téléinfo meters without the wire: a frame encoder and two meter models that say what a Linky
 * would send at a given instant. Pure (no I/O, no host clock, no host time zone): the same seed
 * and the same instants give the same bytes, so tests can replay a whole day in milliseconds and
 * the simulator (sim/tic-meter-sim.ts) can put the same frames on a real tty.
 *
 * Times are the meter's legal time whatever the host's zone, because that is what its tariff
 * periods, day boundaries and horodates follow: French legal time for a Linky, unless a meter is
 * given another zone.
 */
import type { TicMode } from '../lib/teleinfo/decoder';
import { ticChecksumOfText } from '../lib/teleinfo/checksum';
import { TimeZone } from '../lib/util/time-zone';

export interface TicGroupSpec {
    label: string;
    /** The value exactly as sent: already zero padded or space padded to the label's size. */
    value: string;
    /** `SAAMMJJhhmmss`, standard mode only. */
    horodate?: string;
}

/** What a meter model offers the simulator and the tests. */
export interface TicMeterModel {
    readonly mode: TicMode;
    /** The meter's own line speed: 1200 Bd in historic mode, 9600 Bd in standard mode. */
    readonly baud: number;
    /** The meter's identifier as it sends it (ADCO, ADSC): the `meter` tag the flows store it under. */
    readonly id: string;
    /** The frame the meter sends starting at `date` (instants in increasing order): its energy state advances to that instant. */
    frameAt(date: Date): Buffer;
    /**
     * What the meter has counted up to its last frame, as JSON-safe data (undefined before its
     * first frame): a model of the same kind built with it as `state` sends the frames this one
     * would have sent next, so a simulator started again never sends an index below one it sent.
     */
    snapshot(): TicMeterState | undefined;
}

export type TicMeterState = HistoricMeterState | StandardMeterState;

/**
 * One group on the wire, LF to CR. The checksum zone follows the separator: historic (SP) stops
 * before the separator that precedes the checksum, standard (HT) includes it.
 */
export function encodeGroup(label: string, value: string, mode: TicMode, horodate?: string): string {
    if (horodate !== undefined && mode === 'historic') throw new Error(`${label}: historic groups carry no horodate`);
    const sep = mode === 'standard' ? '\t' : ' ';
    const body = horodate === undefined ? `${label}${sep}${value}` : `${label}${sep}${horodate}${sep}${value}`;
    const checksum = ticChecksumOfText(mode === 'standard' ? body + sep : body);
    return `\n${body}${sep}${checksum}\r`;
}

/** A whole frame, STX to ETX. */
export function encodeFrame(groups: readonly TicGroupSpec[], mode: TicMode): Buffer {
    const text = groups.map((g) => encodeGroup(g.label, g.value, mode, g.horodate)).join('');
    return Buffer.from(`\x02${text}\x03`, 'latin1');
}

/** Time the bytes take on the line: 10 bits per 7E1 character (start, 7 data, parity, stop). */
export function frameDurationMs(byteCount: number, baud: number): number {
    return (byteCount * 10 * 1000) / baud;
}

// ---------------------------------------------------------------------------------------------
// Local time

/** A Linky's zone. */
export const FRENCH_LEGAL_TIME = 'Europe/Paris';
const frenchLegalTime = new TimeZone(FRENCH_LEGAL_TIME);

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const HALF_HOUR_MS = 30 * MINUTE_MS;
const TEN_MINUTES_MS = 10 * MINUTE_MS;

/** UTC offset of French legal time at an instant, in hours: +2 in summer time, +1 otherwise. */
export function parisUtcOffsetHours(at: Date): number {
    return frenchLegalTime.offset(at.getTime()) / HOUR_MS;
}

/** The local hour of the day with its minutes and seconds as a fraction (13.5 at 13:30:00). */
function localHour(ms: number, zone: TimeZone): number {
    const wall = zone.wallClock(ms);
    return wall.hour + wall.minute / 60 + wall.second / 3600;
}

const two = (n: number) => String(n).padStart(2, '0');

/**
 * The standard-mode horodate of an instant: season E (summer, +02:00) or H (winter, +01:00), then
 * local YYMMDDhhmmss. Those two offsets are all a horodate can say (lib/teleinfo/horodate.ts).
 */
export function horodateAt(at: Date, zone = frenchLegalTime): string {
    const ms = at.getTime();
    const w = zone.wallClock(ms);
    const season = w.offsetMinutes === 120 ? 'E' : w.offsetMinutes === 60 ? 'H' : undefined;
    if (season === undefined) throw new Error(`${zone.name}: a horodate's offset is +01:00 or +02:00, not the one of ${zone.iso(ms)}`);
    return season + two(w.year % 100) + two(w.month) + two(w.day) + two(w.hour) + two(w.minute) + two(w.second);
}

/** Off-peak hours of the simulated contracts: 22:00 to 06:00 local time. */
function isOffPeak(ms: number, zone: TimeZone): boolean {
    const h = localHour(ms, zone);
    return h >= 22 || h < 6;
}

// ---------------------------------------------------------------------------------------------
// Household load and solar production

/**
 * A reproducible random number in [0, 1) for an integer key: mulberry32's output function applied
 * to a mix of the seed, a stream number and the key. Keyed rather than stepped, so a value depends
 * only on the instant it is asked for, not on how many frames were asked before.
 */
function keyedRandom(seed: number, stream: number, key: number): number {
    let t = ((Math.imul(seed, 0x2c1b3c6d) ^ Math.imul(stream, 0x297a2d39) ^ Math.imul(key, 0x9e3779b1)) + 0x6d2b79f5) | 0;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const enum Stream {
    Minute = 1,
    TenMinutes,
    Day,
    Cloud,
    PhaseShare,
    Voltage,
    Tempo,
}

/** A Gaussian bump of the daily profile: `amplitude` at `centre` hours, `width` hours wide. */
function bump(hour: number, centre: number, width: number, amplitude: number): number {
    const x = (hour - centre) / width;
    return amplitude * Math.exp(-0.5 * x * x);
}

/**
 * The house behind the meter: what it draws through the day and what its solar panels make.
 * Consumption: a ~300 VA night base, a breakfast peak around 7:30, a light lunch, and the evening
 * peak (cooking, heating, laundry) around 20:00 reaching 5-6 kVA, times per-minute, per-10-minute
 * and per-day noise. Production: a bell from 8:00 to 19:00 peaking at `peakSolarW` around 13:30,
 * dimmed by passing clouds.
 */
export class HouseholdModel {
    /** `zone`: where the house's days are lived. */
    constructor(
        readonly seed = 1,
        readonly peakSolarW = 3000,
        readonly zone = frenchLegalTime,
    ) {}

    /** Apparent power drawn by the household (VA). */
    consumptionVa(at: Date): number {
        const ms = at.getTime();
        const h = localHour(ms, this.zone);
        const profile = 300 + bump(h, 7.5, 0.6, 2300) + bump(h, 12.5, 0.9, 700) + bump(h, 20, 1.1, 4300);
        const minute = Math.floor(ms / MINUTE_MS);
        const noise = 0.85 + 0.3 * keyedRandom(this.seed, Stream.Minute, minute);
        const slow = 0.9 + 0.2 * keyedRandom(this.seed, Stream.TenMinutes, Math.floor(minute / 10));
        const day = 0.9 + 0.2 * keyedRandom(this.seed, Stream.Day, Math.floor(ms / DAY_MS));
        return profile * noise * slow * day;
    }

    /** Active power made by the solar panels (W), 0 outside 8:00-19:00. */
    productionW(at: Date): number {
        const ms = at.getTime();
        const h = localHour(ms, this.zone);
        if (h <= 8 || h >= 19) return 0;
        const bell = Math.sin((Math.PI * (h - 8)) / 11) ** 2;
        const clouds = 0.6 + 0.4 * Math.sqrt(keyedRandom(this.seed, Stream.Cloud, Math.floor(ms / TEN_MINUTES_MS)));
        return this.peakSolarW * bell * clouds;
    }
}

/** Household loads are slightly inductive: active = apparent × 0.95. */
const POWER_FACTOR = 0.95;
const REACTIVE_FACTOR = Math.sqrt(1 - POWER_FACTOR ** 2);
const NOMINAL_VOLTS = 230;

/** `n` as a `width`-digit field, floored and held within the field (an index wraps on a real meter; ours stops). */
function digits(n: number, width: number): string {
    const max = 10 ** width - 1;
    return String(Math.min(max, Math.max(0, Math.floor(n)))).padStart(width, '0');
}

/**
 * Calls `visit` for each slice of [from, to) cut at whole minutes: the load model's noise is
 * constant within a minute, and no slice straddles a half-hour, a tariff switch or midnight.
 */
function forEachMinuteSlice(fromMs: number, toMs: number, visit: (startMs: number, hours: number) => void): void {
    for (let t = fromMs; t < toMs;) {
        const next = Math.min(toMs, (Math.floor(t / MINUTE_MS) + 1) * MINUTE_MS);
        visit(t, (next - t) / HOUR_MS);
        t = next;
    }
}

// ---------------------------------------------------------------------------------------------
// Historic single-phase Linky, HP/HC option

export interface HistoricMeterOptions {
    seed?: number;
    /** 12 digits: manufacturer, year, device type, serial (75 = single-phase 90 A G3, hence IMAX 090). */
    adco?: string;
    /** Subscribed current (A): 45 A for a 9 kVA contract. */
    isousc?: number;
    /** Starting off-peak and peak indexes (Wh). */
    hchcWh?: number;
    hchpWh?: number;
    /** Draw 15 % above the subscribed current, so that the meter sends ADPS. */
    overload?: boolean;
    /** IANA time zone of the meter's clock and tariff periods: French legal time when not given. */
    timeZone?: string;
    /** A snapshot of such a meter: it carries on from there (the starting indexes are then not used). */
    state?: HistoricMeterState;
    /** Indexes (HCHC, HCHP → Wh) it never sends less than, e.g. the last ones stored by a run whose state was lost. */
    minimumIndexes?: Readonly<Record<string, number>>;
}

export interface HistoricMeterState {
    kind: 'historic-mono-hphc';
    /** The instant of the last frame, up to which the indexes are counted. */
    at: number;
    hchcWh: number;
    hchpWh: number;
}

/** A single-phase Linky in historic mode on the HP/HC option (OPTARIF `HC..`). */
export class HistoricMonoHpHcMeter implements TicMeterModel {
    readonly mode = 'historic';
    readonly baud = 1200;
    readonly id: string;
    /** Can be switched during a run: ADPS appears in the next frame and goes with the overload. */
    overload: boolean;

    private readonly zone: TimeZone;
    private readonly household: HouseholdModel;
    private readonly isousc: number;
    private hchcWh: number;
    private hchpWh: number;
    private lastAt: number | undefined;

    constructor(options: HistoricMeterOptions = {}) {
        this.zone = new TimeZone(options.timeZone ?? FRENCH_LEGAL_TIME);
        this.household = new HouseholdModel(options.seed ?? 1, undefined, this.zone);
        this.id = options.adco ?? '021975348497';
        this.isousc = options.isousc ?? 45;
        this.hchcWh = options.hchcWh ?? 12_345_678;
        this.hchpWh = options.hchpWh ?? 23_456_789;
        this.overload = options.overload ?? false;
        if (options.state !== undefined) {
            const { kind, at, hchcWh, hchpWh } = options.state;
            if (kind !== 'historic-mono-hphc') throw new Error(`a historic HP/HC meter cannot carry on from a ${String(kind)} meter`);
            assertCounts('historic meter state', { at, hchcWh, hchpWh });
            this.lastAt = at;
            this.hchcWh = hchcWh;
            this.hchpWh = hchpWh;
        }
        const minimum = options.minimumIndexes ?? {};
        this.hchcWh = Math.max(this.hchcWh, minimum.HCHC ?? 0);
        this.hchpWh = Math.max(this.hchpWh, minimum.HCHP ?? 0);
    }

    snapshot(): HistoricMeterState | undefined {
        if (this.lastAt === undefined) return undefined;
        return { kind: 'historic-mono-hphc', at: this.lastAt, hchcWh: this.hchcWh, hchpWh: this.hchpWh };
    }

    frameAt(date: Date): Buffer {
        const ms = date.getTime();
        if (this.lastAt !== undefined) {
            forEachMinuteSlice(this.lastAt, ms, (t, hours) => {
                const wh = this.apparentVa(t) * POWER_FACTOR * hours;
                if (isOffPeak(t, this.zone)) this.hchcWh += wh;
                else this.hchpWh += wh;
            });
        }
        this.lastAt = Math.max(this.lastAt ?? ms, ms);

        const va = this.apparentVa(ms);
        const amps = Math.round(va / NOMINAL_VOLTS);
        const offPeak = isOffPeak(ms, this.zone);
        const groups: TicGroupSpec[] = [
            { label: 'ADCO', value: this.id },
            { label: 'OPTARIF', value: 'HC..' },
            { label: 'ISOUSC', value: digits(this.isousc, 2) },
            { label: 'HCHC', value: digits(this.hchcWh, 9) },
            { label: 'HCHP', value: digits(this.hchpWh, 9) },
            { label: 'PTEC', value: offPeak ? 'HC..' : 'HP..' },
            { label: 'IINST', value: digits(amps, 3) },
        ];
        if (amps > this.isousc) groups.push({ label: 'ADPS', value: digits(amps, 3) });
        groups.push(
            { label: 'IMAX', value: '090' },
            { label: 'PAPP', value: digits(Math.round(va / 10) * 10, 5) },
            { label: 'HHPHC', value: 'A' },
            { label: 'MOTDETAT', value: '000000' },
        );
        return encodeFrame(groups, 'historic');
    }

    private apparentVa(ms: number): number {
        return this.overload ? this.isousc * 1.15 * NOMINAL_VOLTS : this.household.consumptionVa(new Date(ms));
    }
}

// ---------------------------------------------------------------------------------------------
// Standard three-phase producer Linky

export type StandardTariff = 'tempo' | 'hphc';

export interface StandardMeterOptions {
    seed?: number;
    /** Supplier calendar: Tempo (6 indexes: HC/HP × blue/white/red) or HP/HC (index 1 HC, 2 HP). */
    tariff?: StandardTariff;
    /** 12 digits (76 = three-phase 60 A G3). */
    adsc?: string;
    /** Delivery point, 14 digits. */
    prm?: string;
    /** Reference power (kVA), also the cut-off threshold PCOUP. */
    prefKva?: number;
    peakSolarW?: number;
    /** Draw 10 % above the reference power: STGE bit 7 (reference power exceeded) is set. */
    overload?: boolean;
    /** IANA time zone of the meter's clock, tariff periods and days: French legal time when not given. */
    timeZone?: string;
    /** A snapshot of such a meter on the same tariff: it carries on from there. */
    state?: StandardMeterState;
    /**
     * Indexes (EASFnn, EASDnn, EAIT, ERQn → Wh, varh) it never sends less than, e.g. the last ones
     * stored by a run whose state was lost.
     */
    minimumIndexes?: Readonly<Record<string, number>>;
}

/** Signed flows on one phase: p > 0 withdrawn, p < 0 injected. */
interface PhaseFlow {
    p: number;
    q: number;
    s: number;
    volts: number;
}
interface Flows {
    phases: PhaseFlow[];
    p: number;
    q: number;
    s: number;
}

interface Peak {
    va: number;
    at: number;
}
interface DayPeaks {
    dayStart: number;
    withdrawn: Peak;
    phases: Peak[];
    injected: Peak;
}
/** One load-curve point: the mean power of the half hour that ended at `end`. */
interface CurvePoint {
    end: number;
    importW: number;
    exportW: number;
}

interface StandardState {
    at: number;
    supplierWh: number[];
    distributorWh: number[];
    injectedWh: number;
    reactiveVarh: number[];
    today: DayPeaks;
    yesterday: DayPeaks;
    /** The half hour being integrated, and the last two complete ones (newest first). */
    period: { start: number; importWh: number; exportWh: number };
    curve: [CurvePoint, CurvePoint];
}

export interface StandardMeterState extends StandardState {
    kind: 'standard-tri-producer';
    tariff: StandardTariff;
}

/** Throws unless every value is a finite number (or an array of them): a state read back from a file is checked before use. */
function assertCounts(what: string, values: Record<string, unknown>): void {
    for (const [name, value] of Object.entries(values)) {
        const numbers = Array.isArray(value) ? value : [value];
        if (!numbers.every((n) => typeof n === 'number' && Number.isFinite(n))) {
            throw new Error(`${what}: ${name} is not a count (${JSON.stringify(value)})`);
        }
    }
}

type TempoColour = 1 | 2 | 3;
const TEMPO_NAMES = ['', 'BLEU', 'BLANC', 'ROUGE'];

/** Per-phase nominal voltages: a real grid is never balanced. */
const PHASE_VOLTS = [234, 239, 241];
/** Voltage drop per watt withdrawn on a phase (and rise per watt injected). */
const VOLTS_PER_W = 0.002;

const STGE_DRY_CONTACT_OPEN = 1 << 0;
const STGE_OVERPOWER = 1 << 7;
const STGE_PRODUCER = 1 << 8;
const STGE_INJECTING = 1 << 9;
const STGE_TIC_STANDARD = 1 << 17;
const STGE_EURIDIS_SECURED = 3 << 19;
const STGE_CPL_REGISTERED = 2 << 21;
const STGE_CPL_SYNCHRONISED = 1 << 23;

/** Starting indexes, in the range of a few years' use. */
const START_SUPPLIER_WH: Record<StandardTariff, number[]> = {
    tempo: [2_741_488, 5_905_500, 624_053, 1_070_566, 524_151, 738_351],
    hphc: [4_432_429, 9_236_697],
};

function freshPeaks(dayStart: number): DayPeaks {
    const zero = () => ({ va: 0, at: dayStart });
    return { dayStart, withdrawn: zero(), phases: [zero(), zero(), zero()], injected: zero() };
}

/**
 * A three-phase Linky in standard mode, in producer mode (solar self-consumption with surplus
 * injection), on Tempo or HP/HC. The frame has the labels, order and widths of a real one
 * (openHAB's three-phase producer capture). Energies are integrated minute by minute; the daily
 * maxima, the half-hour load curve and the 10-minute mean voltages are kept like the meter does.
 * The first frame starts the meter's history at the previous local midnight, so that yesterday's
 * maxima and the load curve already hold values.
 */
export class StandardTriProducerMeter implements TicMeterModel {
    readonly mode = 'standard';
    readonly baud = 9600;
    readonly id: string;
    overload: boolean;

    private readonly zone: TimeZone;
    private readonly household: HouseholdModel;
    private readonly seed: number;
    private readonly tariff: StandardTariff;
    private readonly minimumIndexes: Readonly<Record<string, number>>;
    private readonly prm: string;
    private readonly prefKva: number;
    private state: StandardState | undefined;

    constructor(options: StandardMeterOptions = {}) {
        this.seed = options.seed ?? 1;
        this.zone = new TimeZone(options.timeZone ?? FRENCH_LEGAL_TIME);
        this.household = new HouseholdModel(this.seed, options.peakSolarW ?? 3000, this.zone);
        this.tariff = options.tariff ?? 'tempo';
        this.id = options.adsc ?? '042176123456';
        this.prm = options.prm ?? '09876543210123';
        this.prefKva = options.prefKva ?? 12;
        this.overload = options.overload ?? false;
        this.minimumIndexes = options.minimumIndexes ?? {};
        if (options.state !== undefined) this.state = this.raiseIndexes(this.restore(options.state));
    }

    snapshot(): StandardMeterState | undefined {
        if (this.state === undefined) return undefined;
        return { kind: 'standard-tri-producer', tariff: this.tariff, ...structuredClone(this.state) };
    }

    private restore(saved: StandardMeterState): StandardState {
        const { kind, tariff, ...state } = saved;
        if (kind !== 'standard-tri-producer') throw new Error(`a standard producer meter cannot carry on from a ${String(kind)} meter`);
        if (tariff !== this.tariff) throw new Error(`a standard meter on ${this.tariff} cannot carry on from one on ${String(tariff)}`);
        const { at, supplierWh, distributorWh, injectedWh, reactiveVarh } = state;
        assertCounts('standard meter state', { at, supplierWh, distributorWh, injectedWh, reactiveVarh });
        if (supplierWh.length !== 10 || distributorWh.length !== 4 || reactiveVarh.length !== 4) {
            throw new Error('standard meter state: 10 supplier, 4 distributor and 4 reactive indexes expected');
        }
        return structuredClone(state);
    }

    /** Brings each index up to its minimum; the distributor's total stays the sum of the supplier's indexes it counts. */
    private raiseIndexes(state: StandardState): StandardState {
        if (Object.keys(this.minimumIndexes).length === 0) return state;
        const at = (label: string, wh: number) => Math.max(wh, this.minimumIndexes[label] ?? 0);
        state.supplierWh = state.supplierWh.map((wh, i) => at(`EASF${two(i + 1)}`, wh));
        state.distributorWh = state.distributorWh.map((wh, i) => at(`EASD${two(i + 1)}`, wh));
        state.distributorWh[0] = Math.max(
            state.distributorWh[0],
            state.supplierWh.reduce((a, b) => a + b, 0),
        );
        state.injectedWh = at('EAIT', state.injectedWh);
        state.reactiveVarh = state.reactiveVarh.map((varh, i) => at(`ERQ${i + 1}`, varh));
        return state;
    }

    frameAt(date: Date): Buffer {
        const ms = date.getTime();
        const state = (this.state ??= this.raiseIndexes(this.startHistory(ms)));
        this.advance(state, ms);
        this.rollOver(state, ms);
        const flows = this.flowsAt(ms);
        this.notePeaks(state, ms, flows);
        return encodeFrame(this.groups(state, ms, flows), 'standard');
    }

    private startHistory(ms: number): StandardState {
        const yesterday = this.zone.addDays(ms, -1);
        const supplierWh = new Array<number>(10).fill(0);
        START_SUPPLIER_WH[this.tariff].forEach((wh, i) => {
            supplierWh[i] = wh;
        });
        const emptyPoint = { end: yesterday, importW: 0, exportW: 0 };
        return {
            at: yesterday,
            supplierWh,
            distributorWh: [supplierWh.reduce((a, b) => a + b, 0), 0, 0, 0],
            injectedWh: 671_631,
            reactiveVarh: [2_970_842, 204_084, 84_948, 774_332],
            today: freshPeaks(yesterday),
            yesterday: freshPeaks(this.zone.addDays(yesterday, -1)),
            period: { start: yesterday, importWh: 0, exportWh: 0 },
            curve: [emptyPoint, emptyPoint],
        };
    }

    private advance(state: StandardState, toMs: number): void {
        forEachMinuteSlice(state.at, toMs, (t, hours) => {
            this.rollOver(state, t);
            const flows = this.flowsAt(t);
            this.notePeaks(state, t, flows);
            // Reactive energy follows the net flow's quadrant: the load is inductive (Q > 0), so
            // it counts in Q1 while withdrawing and in Q2 while injecting; Q3 and Q4 stay put.
            if (flows.p >= 0) {
                const wh = flows.p * hours;
                state.supplierWh[this.supplierIndexAt(t) - 1] += wh;
                state.distributorWh[0] += wh;
                state.period.importWh += wh;
                state.reactiveVarh[0] += flows.q * hours;
            } else {
                const wh = -flows.p * hours;
                state.injectedWh += wh;
                state.period.exportWh += wh;
                state.reactiveVarh[1] += flows.q * hours;
            }
        });
        state.at = Math.max(state.at, toMs);
    }

    /** Starts a new day of maxima at local midnight, and a new load-curve point every half hour. */
    private rollOver(state: StandardState, ms: number): void {
        const dayStart = this.zone.startOfDay(ms);
        if (dayStart !== state.today.dayStart) {
            state.yesterday = state.today;
            state.today = freshPeaks(dayStart);
        }
        if (ms >= state.period.start + HALF_HOUR_MS) {
            const { start, importWh, exportWh } = state.period;
            const hours = HALF_HOUR_MS / HOUR_MS;
            state.curve = [{ end: start + HALF_HOUR_MS, importW: importWh / hours, exportW: exportWh / hours }, state.curve[0]];
            state.period = { start: this.zone.floor(ms, HALF_HOUR_MS), importWh: 0, exportWh: 0 };
        }
    }

    private notePeaks(state: StandardState, ms: number, flows: Flows): void {
        const today = state.today;
        if (flows.p >= 0 && flows.s > today.withdrawn.va) today.withdrawn = { va: flows.s, at: ms };
        if (flows.p < 0 && flows.s > today.injected.va) today.injected = { va: flows.s, at: ms };
        flows.phases.forEach((phase, i) => {
            if (phase.p >= 0 && phase.s > today.phases[i].va) today.phases[i] = { va: phase.s, at: ms };
        });
    }

    /**
     * The flows at an instant: the household's draw split unevenly over the three phases, the
     * three-phase inverter's production split evenly. A phase can inject while another withdraws;
     * the meter's totals are those of the sum (54E §6.2.3.10).
     */
    private flowsAt(ms: number): Flows {
        const at = new Date(ms);
        const drawnVa = this.overload ? this.prefKva * 1000 * 1.1 : this.household.consumptionVa(at);
        const producedW = this.household.productionW(at);
        const tenMinutes = Math.floor(ms / TEN_MINUTES_MS);
        const minute = Math.floor(ms / MINUTE_MS);
        const shares = [0, 1, 2].map((i) => 0.5 + keyedRandom(this.seed, Stream.PhaseShare, tenMinutes * 3 + i));
        const shareSum = shares[0] + shares[1] + shares[2];
        let p = 0;
        let q = 0;
        const phases = shares.map((share, i) => {
            const va = (drawnVa * share) / shareSum;
            const phaseP = va * POWER_FACTOR - producedW / 3;
            const phaseQ = va * REACTIVE_FACTOR;
            p += phaseP;
            q += phaseQ;
            const jitter = 2 * keyedRandom(this.seed, Stream.Voltage, minute * 3 + i) - 1;
            return { p: phaseP, q: phaseQ, s: Math.hypot(phaseP, phaseQ), volts: PHASE_VOLTS[i] - VOLTS_PER_W * phaseP + jitter };
        });
        return { phases, p, q, s: Math.hypot(p, q) };
    }

    /** Mean voltage of each phase over the 10 minutes that ended at `windowEnd`, sampled each minute. */
    private meanVolts(windowEnd: number): number[] {
        const sums = [0, 0, 0];
        for (let k = 1; k <= 10; k++) {
            this.flowsAt(windowEnd - k * MINUTE_MS).phases.forEach((phase, i) => {
                sums[i] += phase.volts;
            });
        }
        return sums.map((sum) => sum / 10);
    }

    /** The Tempo colour of the Tempo day starting at 6:00 on the local day that starts at `dayStart`. */
    private tempoColour(dayStart: number): TempoColour {
        const { year, month, day, weekday } = this.zone.wallClock(dayStart);
        const u = keyedRandom(this.seed, Stream.Tempo, Date.UTC(year, month - 1, day) / DAY_MS);
        if (weekday === 7) return 1;
        // Red days only from November to March, on weekdays; white days mostly in winter.
        const winter = month >= 11 || month <= 3;
        if (winter && weekday !== 6 && u < 0.15) return 3;
        return u < (winter ? 0.35 : 0.05) ? 2 : 1;
    }

    /** The local day whose Tempo colour applies at `ms`: Tempo days run from 6:00 to 6:00. */
    private tempoDayStart(ms: number): number {
        return this.zone.startOfDay(ms - 6 * HOUR_MS);
    }

    private supplierIndex(offPeak: boolean, colour: TempoColour): number {
        if (this.tariff === 'hphc') return offPeak ? 1 : 2;
        return 2 * (colour - 1) + (offPeak ? 1 : 2);
    }

    private supplierIndexAt(ms: number): number {
        const colour = this.tariff === 'tempo' ? this.tempoColour(this.tempoDayStart(ms)) : 1;
        return this.supplierIndex(isOffPeak(ms, this.zone), colour);
    }

    private tariffLabel(offPeak: boolean, colour: TempoColour): string {
        const period = offPeak ? 'HC' : 'HP';
        const text = this.tariff === 'tempo' ? `${period}  ${TEMPO_NAMES[colour]}` : offPeak ? 'HEURE  CREUSE' : 'HEURE  PLEINE';
        const left = Math.floor((16 - text.length) / 2);
        return (' '.repeat(left) + text).padEnd(16);
    }

    /** Tomorrow's day profile: blocks `HHMMSSSS`, SSSS = 0x4000 (dry contact per Tempo) | tariff index. */
    private tomorrowProfile(todayColour: TempoColour, tomorrowColour: TempoColour): string {
        const block = (start: string, offPeak: boolean, colour: TempoColour) =>
            start + (0x4000 | this.supplierIndex(offPeak, colour)).toString(16).toUpperCase().padStart(4, '0');
        // Tomorrow from 00:00 to 06:00 still belongs to the Tempo day that starts today at 06:00.
        const blocks = [block('0000', true, todayColour), block('0600', false, tomorrowColour), block('2200', true, tomorrowColour)];
        while (blocks.length < 11) blocks.push('NONUTILE');
        return blocks.join(' ');
    }

    private groups(state: StandardState, ms: number, flows: Flows): TicGroupSpec[] {
        const offPeak = isOffPeak(ms, this.zone);
        const tempo = this.tariff === 'tempo';
        const todayStart = this.zone.startOfDay(ms);
        const tempoToday = tempo ? this.tempoColour(this.tempoDayStart(ms)) : 1;
        const tempoTomorrow = tempo ? this.tempoColour(this.zone.addDays(this.tempoDayStart(ms), 1)) : 1;
        const calendarToday = tempo ? this.tempoColour(todayStart) : 1;
        const calendarTomorrow = tempo ? this.tempoColour(this.zone.addDays(todayStart, 1)) : 1;
        const index = this.supplierIndex(offPeak, tempoToday);
        const withdrawing = flows.p >= 0;
        const sinsts = withdrawing ? flows.s : 0;
        const sinsti = withdrawing ? 0 : flows.s;

        let stge =
            STGE_DRY_CONTACT_OPEN | STGE_PRODUCER | STGE_TIC_STANDARD | STGE_EURIDIS_SECURED | STGE_CPL_REGISTERED | STGE_CPL_SYNCHRONISED;
        if (sinsts > this.prefKva * 1000) stge |= STGE_OVERPOWER;
        if (!withdrawing) stge |= STGE_INJECTING;
        stge |= (index - 1) << 10;
        if (tempo) stge |= (tempoToday << 24) | (tempoTomorrow << 26);

        const g = (label: string, value: string, at?: number): TicGroupSpec =>
            at === undefined ? { label, value } : { label, value, horodate: horodateAt(new Date(at), this.zone) };
        const va = (n: number) => digits(Math.round(n), 5);
        const wh = (n: number) => digits(n, 9);
        const [last, previous] = state.curve;
        const umoyEnd = this.zone.floor(ms, TEN_MINUTES_MS);
        const umoy = this.meanVolts(umoyEnd);
        const { today, yesterday } = state;

        return [
            g('ADSC', this.id),
            g('VTIC', '02'),
            g('DATE', '', ms),
            g('NGTF', tempo ? '     TEMPO      ' : ' H PLEINE/CREUSE'),
            g('LTARF', this.tariffLabel(offPeak, tempoToday)),
            g('EAST', wh(state.supplierWh.reduce((a, b) => a + b, 0))),
            ...state.supplierWh.map((e, i) => g(`EASF${two(i + 1)}`, wh(e))),
            ...state.distributorWh.map((e, i) => g(`EASD${two(i + 1)}`, wh(e))),
            g('EAIT', wh(state.injectedWh)),
            ...state.reactiveVarh.map((e, i) => g(`ERQ${i + 1}`, wh(e))),
            ...flows.phases.map((phase, i) => g(`IRMS${i + 1}`, digits(Math.round(phase.s / phase.volts), 3))),
            ...flows.phases.map((phase, i) => g(`URMS${i + 1}`, digits(Math.round(phase.volts), 3))),
            g('PREF', digits(this.prefKva, 2)),
            g('PCOUP', digits(this.prefKva, 2)),
            g('SINSTS', va(sinsts)),
            ...flows.phases.map((phase, i) => g(`SINSTS${i + 1}`, va(phase.p >= 0 ? phase.s : 0))),
            g('SMAXSN', va(today.withdrawn.va), today.withdrawn.at),
            ...today.phases.map((peak, i) => g(`SMAXSN${i + 1}`, va(peak.va), peak.at)),
            g('SMAXSN-1', va(yesterday.withdrawn.va), yesterday.withdrawn.at),
            ...yesterday.phases.map((peak, i) => g(`SMAXSN${i + 1}-1`, va(peak.va), peak.at)),
            g('SINSTI', va(sinsti)),
            g('SMAXIN', va(today.injected.va), today.injected.at),
            g('SMAXIN-1', va(yesterday.injected.va), yesterday.injected.at),
            g('CCASN', va(last.importW), last.end),
            g('CCASN-1', va(previous.importW), previous.end),
            g('CCAIN', va(last.exportW), last.end),
            g('CCAIN-1', va(previous.exportW), previous.end),
            ...umoy.map((volts, i) => g(`UMOY${i + 1}`, digits(Math.round(volts), 3), umoyEnd)),
            g('STGE', (stge >>> 0).toString(16).toUpperCase().padStart(8, '0')),
            g('MSG1', 'PAS DE          MESSAGE         '),
            g('PRM', this.prm),
            g('RELAIS', '000'),
            g('NTARF', digits(index, 2)),
            g('NJOURF', '00'),
            g('NJOURF+1', '00'),
            g('PJOURF+1', this.tomorrowProfile(calendarToday, calendarTomorrow)),
        ];
    }
}
