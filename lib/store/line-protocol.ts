/**
 * InfluxDB 1.x line protocol: one point → one line, read back by influxd 1.6.7 exactly as given.
 *
 * The escaping rules were checked against the real parser (test/integration/influx-writer.test),
 * including what the documentation leaves out: influxd never unescapes `\\`, so a backslash in
 * front of a character it does unescape, or at the end of a name (in front of the separator),
 * changes the name or breaks the line. Measurements and field keys with `\` before `,`, `=`, a
 * space or `"`, and names ending with `\`, are therefore refused with a reason (a field key: its
 * field is left out) rather than stored under another name; so is a measurement starting with
 * `#`, which influxd reads as a comment.
 */

export type Precision = 'ns' | 'us' | 'ms' | 's';

export type FieldType = 'float' | 'integer' | 'string' | 'boolean';

export interface Point {
    measurement: string;
    /** Empty values are left out: InfluxDB has no empty tag value (a point without the tag is the same series). */
    tags?: Readonly<Record<string, string>>;
    fields: Readonly<Record<string, unknown>>;
    /** Milliseconds since the epoch; may be fractional. */
    time: number;
}

export type EncodedPoint =
    | { line: string; dropped: readonly string[] }
    | { line: undefined; dropped: readonly string[]; reason: string };

/**
 * The type each (measurement, field) has in InfluxDB, or will have once the first point lands:
 * InfluxDB fixes a field's type at its first write in a shard and rejects the whole point when a
 * later value has another type. Remembering it lets the encoder write 2 as `2` (float) into a
 * float field that first received 2.5, instead of `2i`, which InfluxDB would refuse.
 */
export class FieldTypes {
    private readonly byMeasurement = new Map<string, Map<string, FieldType>>();

    get(measurement: string, field: string): FieldType | undefined {
        return this.byMeasurement.get(measurement)?.get(field);
    }

    /**
     * Takes the types InfluxDB reports in `SHOW FIELD KEYS` (one series per measurement, rows of
     * [fieldKey, fieldType]). They override what was remembered so far: they are what InfluxDB holds.
     * A field listed twice (shards that disagree) keeps its first row.
     */
    seed(series: readonly { name: string; values?: readonly (readonly unknown[])[] }[]): void {
        for (const { name, values } of series) {
            const fields = this.fieldsOf(name);
            const seeded = new Set<string>();
            for (const [field, type] of values ?? []) {
                if (typeof field !== 'string' || !isFieldType(type) || seeded.has(field)) continue;
                seeded.add(field);
                fields.set(field, type);
            }
        }
    }

    /**
     * Learns from InfluxDB's answer to a point refused for a field type conflict ("input field "f"
     * on measurement "m" is type float, already exists as type integer"), so that the next points
     * are encoded with the type InfluxDB holds. Returns whether the message was such a conflict.
     */
    learnFromConflict(message: string): boolean {
        const conflict = /input field "(.*)" on measurement "(.*)" is type \w+, already exists as type (\w+)/.exec(message);
        if (conflict === null || !isFieldType(conflict[3])) return false;
        this.fieldsOf(conflict[2]).set(conflict[1], conflict[3]);
        return true;
    }

    /** The types of one measurement's fields, for the encoder's inner loop (which fills it). */
    fieldsOf(measurement: string): Map<string, FieldType> {
        let fields = this.byMeasurement.get(measurement);
        if (fields === undefined) {
            fields = new Map();
            this.byMeasurement.set(measurement, fields);
        }
        return fields;
    }
}

function isFieldType(value: unknown): value is FieldType {
    return value === 'float' || value === 'integer' || value === 'string' || value === 'boolean';
}

/** InfluxDB's time range is that of a signed 64-bit count of nanoseconds. */
const MAX_TIME_MS = 9_223_372_036_854;
/** int64 bounds, both exactly representable as doubles (±2^63). */
const INT64_LIMIT = 9_223_372_036_854_775_808;

const NOTHING_DROPPED: readonly string[] = Object.freeze([]);

/** Characters that need a look in each position; most names have none, and a regex test is cheap. */
const MEASUREMENT_SPECIAL = /[, \\\n]|^#/;
const KEY_SPECIAL = /[,= \\\n]/;
const STRING_SPECIAL = /["\\]/;

/**
 * How a whole JS number is written: `auto` as an integer (meter indexes, counters: exact and what
 * the field holds forever), `float` as a float (measurements and forecasts, whose first value may
 * happen to be whole: InfluxDB fixes a field's type at its first value and would then refuse every
 * fractional one).
 */
export type NumberTyping = 'auto' | 'float';

/**
 * Encodes one point. Fields InfluxDB cannot store (non-finite numbers, null, undefined, objects,
 * arrays, values of another type than the field already has, reserved or unwritable keys) are
 * left out and named in `dropped`; without any field left the point is not encodable.
 *
 * Time: `ns` and `us` are rounded to the nearest unit from the exact value of `time`; `ms` and `s`
 * are floored, so that a reading stays in the millisecond or second (and so the day) in which it
 * was taken — 23:59:59.999 is never moved to the next day.
 */
export function encodePoint(point: Point, precision: Precision, fieldTypes?: FieldTypes, numbers: NumberTyping = 'auto'): EncodedPoint {
    const measurement = point.measurement;
    const time = point.time;
    if (!(Math.abs(time) <= MAX_TIME_MS)) {
        return { line: undefined, dropped: NOTHING_DROPPED, reason: `time ${time} is not a date InfluxDB can store (ms since 1970, within years 1677–2262)` };
    }
    let line: string;
    const tags = point.tags;
    if (lastSeries.measurement === measurement && lastSeries.tags === tags && tags !== undefined) {
        line = lastSeries.key;
    } else {
        const series = seriesKey(measurement, tags);
        if (typeof series !== 'string') return { line: undefined, dropped: NOTHING_DROPPED, reason: series.reason };
        line = series;
        // Only a frozen tag set can be reused by identity: nobody can change it after this call.
        if (tags !== undefined && Object.isFrozen(tags)) lastSeries = { measurement, tags, key: line };
    }

    const types = fieldTypes?.fieldsOf(measurement);
    const fields = point.fields;
    let fieldSet = '';
    let dropped: string[] | undefined;
    for (const field in fields) {
        const value = fieldValue(fields[field], types, field, numbers);
        const fieldKey = value === undefined ? undefined : escapeFieldKey(field);
        if (fieldKey === undefined) {
            (dropped ??= []).push(field);
            continue;
        }
        fieldSet += (fieldSet === '' ? '' : ',') + fieldKey + '=' + value;
    }
    if (fieldSet === '') return { line: undefined, dropped: dropped ?? NOTHING_DROPPED, reason: 'no field InfluxDB can store' };
    return { line: line + ' ' + fieldSet + ' ' + timestamp(time, precision), dropped: dropped ?? NOTHING_DROPPED };
}

/**
 * The last series key encoded for a frozen tag set: a store fed one meter's readings encodes the
 * same measurement and tags again and again, and their escaping is most of a point's cost.
 */
let lastSeries: { measurement: string; tags: Readonly<Record<string, string>> | undefined; key: string } = { measurement: '', tags: undefined, key: '' };

function seriesKey(measurement: string, tags: Readonly<Record<string, string>> | undefined): string | Refusal {
    const name = escapeMeasurement(measurement);
    if (typeof name !== 'string' || tags === undefined) return name;
    const tagSet = encodeTags(tags);
    return typeof tagSet === 'string' ? name + tagSet : tagSet;
}

/** Why a name cannot be written; returned rather than thrown, to keep the hot path cheap. */
class Refusal {
    constructor(readonly reason: string) {}
}

/** `,key=value` for each tag with a value, in key order. */
function encodeTags(tags: Readonly<Record<string, string>>): string | Refusal {
    let text = '';
    let previousKey = '';
    for (const tagKey in tags) {
        // Tag objects are usually built in key order: only the others pay for a sort.
        if (tagKey < previousKey) return encodeSortedTags(tags);
        previousKey = tagKey;
        const pair = tagPair(tagKey, tags[tagKey]);
        if (typeof pair !== 'string') return pair;
        text += pair;
    }
    return text;
}

function encodeSortedTags(tags: Readonly<Record<string, string>>): string | Refusal {
    let text = '';
    for (const tagKey of Object.keys(tags).sort()) {
        const pair = tagPair(tagKey, tags[tagKey]);
        if (typeof pair !== 'string') return pair;
        text += pair;
    }
    return text;
}

function tagPair(key: string, value: string | undefined): string | Refusal {
    if (value === '' || value === undefined) return '';
    const escapedKey = escapeTag(key, 'key');
    if (typeof escapedKey !== 'string') return escapedKey;
    const escapedValue = escapeTag(value, 'value');
    if (typeof escapedValue !== 'string') return escapedValue;
    return ',' + escapedKey + '=' + escapedValue;
}

/** The value as line protocol writes it, or undefined when it must be left out. */
function fieldValue(value: unknown, types: Map<string, FieldType> | undefined, field: string, numbers: NumberTyping): string | undefined {
    switch (typeof value) {
        case 'number': {
            if (!Number.isFinite(value)) return undefined;
            const integral = Number.isInteger(value) && value >= -INT64_LIMIT && value < INT64_LIMIT;
            let type: FieldType = integral && numbers === 'auto' ? 'integer' : 'float';
            if (types !== undefined) {
                const known = types.get(field);
                if (known === undefined) types.set(field, type);
                else if (known === 'float') type = 'float';
                // A field the server already holds as integer keeps taking whole numbers as integers.
                else if (known === 'integer' && integral) type = 'integer';
                else if (known !== type) return undefined;
            }
            if (type === 'float') return String(value);
            // Past 2^53 String() rounds to 17 digits (2^63 would print out of int64's range): BigInt prints the exact value.
            return Number.isSafeInteger(value) ? value + 'i' : BigInt(value) + 'i';
        }
        case 'boolean':
            if (types !== undefined && !claims(types, field, 'boolean')) return undefined;
            return value ? 'true' : 'false';
        case 'string':
            if (types !== undefined && !claims(types, field, 'string')) return undefined;
            // A newline needs no escape inside quotes: influxd splits lines outside quoted strings only.
            return STRING_SPECIAL.test(value) ? '"' + value.replace(/["\\]/g, '\\$&') + '"' : '"' + value + '"';
        default:
            return undefined;
    }
}

function claims(types: Map<string, FieldType>, field: string, type: FieldType): boolean {
    const known = types.get(field);
    if (known === undefined) types.set(field, type);
    return known === undefined || known === type;
}

function escapeMeasurement(name: string): string | Refusal {
    if (!MEASUREMENT_SPECIAL.test(name)) return name === '' ? new Refusal('empty measurement name') : name;
    if (name.startsWith('#')) return new Refusal(`measurement ${JSON.stringify(name)} starts with #, which InfluxDB reads as a comment line`);
    if (name.includes('\n')) return new Refusal(`measurement ${JSON.stringify(name)} contains a newline`);
    // influxd unescapes \, \space \= and \" in measurements, and a trailing backslash would escape the separator.
    if (/\\([,= "]|$)/.test(name)) return new Refusal(`measurement ${JSON.stringify(name)} has a backslash InfluxDB would read as an escape`);
    return name.replace(/[, ]/g, '\\$&');
}

function escapeTag(text: string, part: 'key' | 'value'): string | Refusal {
    if (!KEY_SPECIAL.test(text)) {
        if (part === 'key' && text === 'time') return new Refusal('tag key "time" is reserved by InfluxDB');
        return part === 'key' && text === '' ? new Refusal('empty tag key') : text;
    }
    if (text.includes('\n')) return new Refusal(`tag ${part} ${JSON.stringify(text)} contains a newline`);
    // In tags influxd keeps a backslash before an ordinary character and reads `\\,` as `\` + `,`: only the end is a trap.
    if (text.endsWith('\\')) return new Refusal(`tag ${part} ${JSON.stringify(text)} ends with a backslash, which would escape the separator`);
    return text.replace(/[,= ]/g, '\\$&');
}

/** The escaped field key, or undefined when InfluxDB cannot take this key. */
function escapeFieldKey(key: string): string | undefined {
    if (!KEY_SPECIAL.test(key)) return key === '' || key === 'time' ? undefined : key;
    // influxd refuses a backslash before , = or space in a field key and silently drops one before ".
    if (key.includes('\n') || /\\([,= "]|$)/.test(key)) return undefined;
    return key.replace(/[,= ]/g, '\\$&');
}

const UNITS_PER_MS = { ns: 1_000_000, us: 1_000 } as const;
const UNIT_ZEROS = { ns: '000000', us: '000' } as const;

function timestamp(time: number, precision: Precision): string {
    switch (precision) {
        case 'ms':
            return String(Math.floor(time));
        case 's':
            return String(Math.floor(time / 1000));
        default:
            if (Number.isInteger(time)) return time === 0 ? '0' : time + UNIT_ZEROS[precision];
            return subMillisecond(time, UNITS_PER_MS[precision]);
    }
}

/** Exact: ms × 1e6 exceeds 2^53, so the whole and fractional parts are scaled separately. */
function subMillisecond(time: number, unitsPerMs: number): string {
    const wholeMs = Math.floor(time);
    // Exact for |time| ≥ 1 (Sterbenz: time and its floor are within a factor of two); below, the error is ~1e-17 ms.
    const fraction = Math.round((time - wholeMs) * unitsPerMs);
    return String(BigInt(wholeMs) * BigInt(unitsPerMs) + BigInt(fraction));
}

/**
 * Splits line-protocol text into its lines the way influxd does (models.scanLine): a newline inside
 * a quoted string field belongs to the value. Empty lines are skipped.
 */
export function splitLines(text: string): string[] {
    const lines: string[] = [];
    let start = 0;
    let quoted = false;
    let inFields = false;
    let equals = 0;
    let commas = 0;
    let i = 0;
    while (i < text.length) {
        const c = text.charCodeAt(i);
        if (c === 0x5c && i + 2 < text.length) {
            i += 2;
            continue;
        }
        if (c === 0x20) inFields = true;
        if (inFields) {
            if (!quoted && c === 0x3d) {
                i++;
                equals++;
                continue;
            }
            if (!quoted && c === 0x2c) {
                i++;
                commas++;
                continue;
            }
            if (c === 0x22 && equals > commas) {
                i++;
                quoted = !quoted;
                continue;
            }
        }
        if (c === 0x0a && !quoted) {
            if (i > start) lines.push(text.slice(start, i));
            start = i + 1;
            quoted = false;
            inFields = false;
            equals = 0;
            commas = 0;
        }
        i++;
    }
    if (text.length > start) lines.push(text.slice(start));
    return lines;
}

const MS_PER_UNIT: Record<Precision, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000 };

/**
 * The earliest and latest time (ms) of encoded lines, read from each line's last word (the encoder
 * always writes the time); undefined for no line. The store uses it to roll up a replayed span.
 */
export function timeSpanOfLines(text: string, precision: Precision): { from: number; to: number } | undefined {
    let from = Infinity;
    let to = -Infinity;
    for (const line of splitLines(text)) {
        const time = Number(line.slice(line.lastIndexOf(' ') + 1)) * MS_PER_UNIT[precision];
        if (time < from) from = time;
        if (time > to) to = time;
    }
    return from <= to ? { from, to } : undefined;
}
