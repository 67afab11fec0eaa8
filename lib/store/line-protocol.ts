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

import { fieldTypeConflictOf, type FieldTypeConflict } from './field-conflicts';
import { LineBuffer } from './line-buffer';

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

export type EncodedPoint = { line: string; dropped: readonly string[] } | { line: undefined; dropped: readonly string[]; reason: string };

/**
 * The type each (measurement, field) has in InfluxDB, or will have once the first point lands:
 * InfluxDB fixes a field's type at its first write in a shard and rejects the whole point when a
 * later value has another type. Remembering it lets the encoder write 2 as `2` (float) into a
 * float field that first received 2.5, instead of `2i`, which InfluxDB would refuse.
 */
export class FieldTypes {
    private readonly byMeasurement = new Map<string, Map<string, FieldType>>();
    private changes = 0;

    /** Changes with every type learnt or claimed: what an encoder cached of the types is stale once it moved. */
    get version(): number {
        return this.changes;
    }

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
        this.changes++;
    }

    /**
     * Learns from InfluxDB's answer to a point refused for a field type conflict ("input field "f"
     * on measurement "m" is type float, already exists as type integer"), so that the next points
     * are encoded with the type InfluxDB holds. Returns whether the message was such a conflict.
     */
    learnFromConflict(message: string): boolean {
        const conflict = fieldTypeConflictOf(message);
        if (conflict === undefined) return false;
        this.learn(conflict);
        return true;
    }

    /** Takes the type InfluxDB said it holds a field as. */
    learn(conflict: FieldTypeConflict): void {
        this.fieldsOf(conflict.measurement).set(conflict.field, conflict.held);
        this.changes++;
    }

    /**
     * The type a value of `type` may be written with into the field: the one the field holds, or
     * `type` itself, which the field then holds (its first value); undefined when they conflict.
     * A whole number goes into a float field as a float, and keeps going into an integer field as
     * an integer even with numbers written as floats.
     */
    claim(measurement: string, field: string, type: FieldType, integral: boolean): FieldType | undefined {
        const fields = this.fieldsOf(measurement);
        const known = fields.get(field);
        if (known === undefined) {
            fields.set(field, type);
            this.changes++;
            return type;
        }
        return typeAllowed(known, type, integral);
    }

    private fieldsOf(measurement: string): Map<string, FieldType> {
        let fields = this.byMeasurement.get(measurement);
        if (fields === undefined) {
            fields = new Map();
            this.byMeasurement.set(measurement, fields);
        }
        return fields;
    }
}

/** What a value of `type` is written as into a field holding `known`, or undefined when it cannot be. */
function typeAllowed(known: FieldType, type: FieldType, integral: boolean): FieldType | undefined {
    if (known === type) return type;
    if (type === 'integer' && known === 'float') return 'float';
    if (type === 'float' && known === 'integer' && integral) return 'integer';
    return undefined;
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

const SPACE = 0x20;
const COMMA = 0x2c;
const QUOTE = 0x22;
const LETTER_I = 0x69;
const TRUE = Buffer.from('true');
const FALSE = Buffer.from('false');

/**
 * How a whole JS number is written: `float` as a float, exact below 2^53 (a field whose first value
 * happens to be whole then still takes the fractional ones: InfluxDB fixes a field's type at its
 * first value and refuses every value of another type), except in the fields named as integer
 * fields; `auto` as an integer, in every field (for flows saved when this was the only way).
 * Either way, a whole number goes into a field InfluxDB holds as integer as an integer.
 */
export type NumberTyping = 'auto' | 'float';

/**
 * Encodes points into a LineBuffer, one line each. Fields InfluxDB cannot store (non-finite
 * numbers, null, undefined, objects, arrays, values of another type than the field already has,
 * reserved or unwritable keys) are left out and named in `dropped`; without any field left the
 * point is not encodable and nothing is written.
 *
 * Time: `ns` and `us` are rounded to the nearest unit from the exact value of `time`; `ms` and `s`
 * are floored, so that a reading stays in the millisecond or second (and so the day) in which it
 * was taken — 23:59:59.999 is never moved to the next day.
 */
export class PointEncoder {
    /** The fields left out of the last point encoded; reused by the next call. */
    readonly dropped: string[] = [];
    /**
     * The last series key, for a frozen tag set (or none): a store fed one meter's readings encodes
     * the same measurement and tags again and again, and their escaping is most of a point's cost.
     */
    private seriesMeasurement: string | undefined;
    private seriesTags: Readonly<Record<string, string>> | undefined;
    private seriesBytes: Buffer = Buffer.alloc(0);
    /** The field layout of the last measurement encoded, and of the others seen. */
    private layout: FieldLayout | undefined;
    private readonly layouts = new Map<string, FieldLayout>();

    private readonly integerFields: ReadonlySet<string>;

    /** `integerFields`: with numbers `float`, the fields whose whole numbers are written as integers. */
    constructor(
        private readonly precision: Precision,
        private readonly fieldTypes?: FieldTypes,
        private readonly numbers: NumberTyping = 'auto',
        integerFields: Iterable<string> = [],
    ) {
        this.integerFields = new Set(integerFields);
    }

    /**
     * Writes the point's line into `lines`, not ended (its owner ends it once it takes the point), and
     * returns undefined; or discards what it wrote of the line and returns why it is no point.
     */
    encode(lines: LineBuffer, point: Point): string | undefined {
        // Setting an array's length is a slow builtin call, and nearly every point drops nothing.
        if (this.dropped.length > 0) this.dropped.length = 0;
        const measurement = point.measurement;
        const time = point.time;
        if (!(Math.abs(time) <= MAX_TIME_MS))
            return `time ${time} is not a date InfluxDB can store (ms since 1970, within years 1677–2262)`;
        const tags = point.tags;
        if (measurement !== this.seriesMeasurement || tags !== this.seriesTags) {
            const series = seriesKey(measurement, tags);
            if (typeof series !== 'string') return series.reason;
            // Only a frozen tag set can be reused by identity: nobody can change it after this call.
            if (tags === undefined || Object.isFrozen(tags)) {
                this.seriesMeasurement = measurement;
                this.seriesTags = tags;
                this.seriesBytes = Buffer.from(series);
            } else {
                lines.text(series);
                return this.encodeRest(lines, point);
            }
        }
        lines.copy(this.seriesBytes);
        return this.encodeRest(lines, point);
    }

    private encodeRest(lines: LineBuffer, point: Point): string | undefined {
        const layout = this.layoutOf(point.measurement);
        const fields = point.fields;
        let separator = SPACE;
        let slot = 0;
        for (const field in fields) {
            if (layout.names[slot] !== field) layout.learn(slot, field);
            const before = lines.position;
            lines.byte(separator);
            if (this.encodeField(lines, layout, slot, fields[field])) separator = COMMA;
            else {
                lines.rewind(before);
                this.dropped.push(field);
            }
            slot++;
        }
        if (separator === SPACE) {
            lines.discardLine();
            return 'no field InfluxDB can store';
        }
        lines.byte(SPACE);
        this.encodeTime(lines, point.time);
        return undefined;
    }

    private layoutOf(measurement: string): FieldLayout {
        const version = this.fieldTypes?.version ?? 0;
        let layout = this.layout;
        if (layout === undefined || layout.measurement !== measurement) {
            layout = this.layouts.get(measurement);
            if (layout === undefined) {
                // Measurements come from messages: a bound keeps a flow that invents names from growing this forever.
                if (this.layouts.size >= MAX_CACHED_NAMES) this.layouts.clear();
                layout = new FieldLayout(measurement, this.fieldTypes, this.integerFields);
                this.layouts.set(measurement, layout);
            }
            this.layout = layout;
        }
        if (layout.version !== version) layout.forget(version);
        return layout;
    }

    /** `key=value` for the field in `slot`, or false when it must be left out (having written part of it). */
    private encodeField(lines: LineBuffer, layout: FieldLayout, slot: number, value: unknown): boolean {
        const key = layout.keys[slot];
        if (key === null) return false;
        switch (typeof value) {
            case 'number': {
                if (!Number.isFinite(value)) return false;
                const integral = Number.isInteger(value) && value >= -INT64_LIMIT && value < INT64_LIMIT;
                const wanted = integral && (this.numbers === 'auto' || layout.integers[slot]) ? 'integer' : 'float';
                const type = layout.typeFor(slot, wanted, integral);
                if (type === undefined) return false;
                lines.copy(key);
                // A whole float has the digits of the integer (below 2^53 String() writes no exponent), without a string.
                if (Number.isSafeInteger(value)) lines.integer(value);
                else if (type === 'float') lines.ascii(String(value));
                // Past 2^53 digits would be rounded (2^63 would print out of int64's range): BigInt prints the exact value.
                else lines.ascii(String(BigInt(value)));
                if (type === 'integer') lines.byte(LETTER_I);
                return true;
            }
            case 'boolean':
                if (layout.typeFor(slot, 'boolean', false) === undefined) return false;
                lines.copy(key);
                lines.copy(value ? TRUE : FALSE);
                return true;
            case 'string':
                if (layout.typeFor(slot, 'string', false) === undefined) return false;
                lines.copy(key);
                lines.byte(QUOTE);
                // A newline needs no escape inside quotes: influxd splits lines outside quoted strings only.
                lines.text(STRING_SPECIAL.test(value) ? value.replace(/["\\]/g, '\\$&') : value);
                lines.byte(QUOTE);
                return true;
            default:
                return false;
        }
    }

    private encodeTime(lines: LineBuffer, time: number): void {
        switch (this.precision) {
            case 'ms':
                lines.integer(Math.floor(time));
                return;
            case 's':
                lines.integer(Math.floor(time / 1000));
                return;
            default: {
                const unitsPerMs = UNITS_PER_MS[this.precision];
                if (!Number.isInteger(time)) lines.ascii(subMillisecond(time, unitsPerMs));
                else if (time === 0) lines.integer(0);
                else {
                    lines.integer(time);
                    lines.ascii(UNIT_ZEROS[this.precision]);
                }
            }
        }
    }
}

/** One line of text for one point, with the same rules as PointEncoder (which a batch writer uses directly). */
export function encodePoint(
    point: Point,
    precision: Precision,
    fieldTypes?: FieldTypes,
    numbers: NumberTyping = 'auto',
    integerFields: Iterable<string> = [],
): EncodedPoint {
    const encoder = new PointEncoder(precision, fieldTypes, numbers, integerFields);
    const lines = new LineBuffer(256);
    const reason = encoder.encode(lines, point);
    const dropped = encoder.dropped.length === 0 ? NOTHING_DROPPED : encoder.dropped;
    if (reason !== undefined) return { line: undefined, dropped, reason };
    lines.endLine();
    return { line: lines.take().bytes.toString('utf8'), dropped };
}

/** Why PointEncoder left a field out of a point (one of its `dropped`), with what a message about it needs. */
export type LeftOut =
    /** A key InfluxDB cannot take (empty, `time`, a newline, a backslash it would read as an escape). */
    | { reason: 'name' }
    | { reason: 'null' }
    | { reason: 'not finite'; value: number }
    /** An object or an array. */
    | { reason: 'nested' }
    /** A function, a BigInt, a symbol: `type` is its typeof. */
    | { reason: 'unsupported'; type: string }
    /** A value of another type than InfluxDB holds the field as, without an exact equivalent: this value is lost. */
    | { reason: 'type'; held: FieldType };

/** Why `field` was left out of `point` by an encoder with these field types. */
export function whyLeftOut(point: Point, field: string, fieldTypes?: FieldTypes): LeftOut {
    if (escapeFieldKey(field) === undefined) return { reason: 'name' };
    const value = point.fields[field];
    if (value === null || value === undefined) return { reason: 'null' };
    if (typeof value === 'number' && !Number.isFinite(value)) return { reason: 'not finite', value };
    if (typeof value === 'object') return { reason: 'nested' };
    const held = fieldTypes?.get(point.measurement, field);
    if (held === undefined || (typeof value !== 'number' && typeof value !== 'string' && typeof value !== 'boolean'))
        return { reason: 'unsupported', type: typeof value };
    return { reason: 'type', held };
}

/**
 * What the encoder knows of a measurement's fields, by position in the fields object: messages of
 * one kind carry the same fields in the same order, so the next point's field in a slot is the same
 * name (one comparison) with the same escaped key and type — no map lookup, no escaping. A slot
 * whose name differs learns the new one. The types are those of FieldTypes at `version`: when they
 * change (seeded, learnt from a conflict, claimed by any encoder) every slot is learnt afresh.
 */
class FieldLayout {
    /** The field name in each slot; its `key=` as bytes (null: a key InfluxDB cannot take); its type, if known; whether it is an integer field. */
    readonly names: string[] = [];
    readonly keys: (Buffer | null)[] = [];
    readonly types: (FieldType | undefined)[] = [];
    readonly integers: boolean[] = [];
    version: number;

    constructor(
        readonly measurement: string,
        private readonly fieldTypes: FieldTypes | undefined,
        private readonly integerFields: ReadonlySet<string>,
    ) {
        this.version = fieldTypes?.version ?? 0;
    }

    learn(slot: number, field: string): void {
        this.names[slot] = field;
        const escaped = escapeFieldKey(field);
        this.keys[slot] = escaped === undefined ? null : Buffer.from(escaped + '=');
        this.types[slot] = this.fieldTypes?.get(this.measurement, field);
        this.integers[slot] = this.integerFields.has(field);
    }

    /** What a value of `type` is written as into the field in `slot` (see FieldTypes.claim); without FieldTypes, `type`. */
    typeFor(slot: number, type: FieldType, integral: boolean): FieldType | undefined {
        const known = this.types[slot];
        if (known !== undefined) return typeAllowed(known, type, integral);
        if (this.fieldTypes === undefined) return type;
        const before = this.fieldTypes.version;
        const allowed = this.fieldTypes.claim(this.measurement, this.names[slot], type, integral);
        // The field's first value: its type is known from now on, in this slot and in any other that had this name.
        if (this.fieldTypes.version !== before) this.forget(this.fieldTypes.version);
        return allowed;
    }

    forget(version: number): void {
        this.names.length = 0;
        this.keys.length = 0;
        this.types.length = 0;
        this.integers.length = 0;
        this.version = version;
    }
}

/** Bound on the measurements whose field layouts an encoder keeps. */
const MAX_CACHED_NAMES = 1000;

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

function escapeMeasurement(name: string): string | Refusal {
    if (!MEASUREMENT_SPECIAL.test(name)) return name === '' ? new Refusal('empty measurement name') : name;
    if (name.startsWith('#'))
        return new Refusal(`measurement ${JSON.stringify(name)} starts with #, which InfluxDB reads as a comment line`);
    if (name.includes('\n')) return new Refusal(`measurement ${JSON.stringify(name)} contains a newline`);
    // influxd unescapes \, \space \= and \" in measurements, and a trailing backslash would escape the separator.
    if (/\\([,= "]|$)/.test(name))
        return new Refusal(`measurement ${JSON.stringify(name)} has a backslash InfluxDB would read as an escape`);
    return name.replace(/[, ]/g, '\\$&');
}

function escapeTag(text: string, part: 'key' | 'value'): string | Refusal {
    if (!KEY_SPECIAL.test(text)) {
        if (part === 'key' && text === 'time') return new Refusal('tag key "time" is reserved by InfluxDB');
        return part === 'key' && text === '' ? new Refusal('empty tag key') : text;
    }
    if (text.includes('\n')) return new Refusal(`tag ${part} ${JSON.stringify(text)} contains a newline`);
    // In tags influxd keeps a backslash before an ordinary character and reads `\\,` as `\` + `,`: only the end is a trap.
    if (text.endsWith('\\'))
        return new Refusal(`tag ${part} ${JSON.stringify(text)} ends with a backslash, which would escape the separator`);
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

/** The first and last lines of a batch of line protocol, for a log that says what a batch held. */
export function batchEnds(bytes: Buffer): { first: string; last: string } {
    const text = bytes.toString('utf8');
    const firstEnd = text.indexOf('\n');
    return { first: firstEnd < 0 ? text : text.slice(0, firstEnd), last: text.slice(text.lastIndexOf('\n') + 1) };
}
