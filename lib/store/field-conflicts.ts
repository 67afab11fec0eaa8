/**
 * Field type conflicts, settled on encoded lines. InfluxDB fixes a field's type with its first value
 * and refuses a later point whose value has another type. Lines spooled before the store learnt the
 * types InfluxDB holds (it was down when the store started) can meet such a field when they are
 * replayed: their bytes are rewritten with the type InfluxDB holds whenever the value converts
 * exactly (a whole float → `5i`, an integer → `5`), and only a value that cannot is given up.
 */
import type { FieldType } from './line-protocol';

/** What InfluxDB says when it refuses a value: measurement and field as InfluxDB names them (unescaped). */
export interface FieldTypeConflict {
    measurement: string;
    field: string;
    /** The type the refused value had. */
    sent: FieldType;
    /** The type InfluxDB holds the field as. */
    held: FieldType;
}

/** What `retypeLine` made of a line. */
export type RetypedLine =
    /** The field's value written with the held type: the line to send again. */
    | { kind: 'retyped'; line: string }
    /** The value has no exact equivalent in the held type (text, 2.5 into an integer field): `rest` is the line without it, undefined when no field is left. */
    | { kind: 'inexact'; value: string; rest: string | undefined }
    /** The line has no such field, or its value has the held type already: the conflict is not this line's. */
    | { kind: 'unrelated' };

const FIELD_TYPES: readonly string[] = ['float', 'integer', 'string', 'boolean'];

/**
 * Reads InfluxDB 1.x's refusal ("partial write: field type conflict: input field "f" on measurement
 * "m" is type float, already exists as type integer dropped=1"); undefined for any other message.
 */
export function fieldTypeConflictOf(message: string): FieldTypeConflict | undefined {
    const found = /input field "(.*)" on measurement "(.*)" is type (\w+), already exists as type (\w+)/.exec(message);
    if (found === null || !FIELD_TYPES.includes(found[3]) || !FIELD_TYPES.includes(found[4])) return undefined;
    return { field: found[1], measurement: found[2], sent: found[3] as FieldType, held: found[4] as FieldType };
}

/** The value's text in line protocol written as `type`, when that is exact; undefined otherwise. */
export function valueAs(text: string, type: FieldType): string | undefined {
    if (type === 'integer') {
        if (!isFloatText(text)) return undefined;
        const value = Number(text);
        if (!Number.isInteger(value) || value < -INT64_LIMIT || value >= INT64_LIMIT) return undefined;
        // Past 2^53, String() would round the digits (or print an exponent): BigInt prints the exact value.
        return `${Number.isSafeInteger(value) ? String(value) : String(BigInt(value))}i`;
    }
    if (type === 'float') {
        if (!/^-?\d+i$/.test(text)) return undefined;
        const exact = BigInt(text.slice(0, -1));
        const value = Number(exact);
        return BigInt(value) === exact ? String(value) : undefined;
    }
    return undefined;
}

/** int64 bounds, both exactly representable as doubles (±2^63). */
const INT64_LIMIT = 9_223_372_036_854_775_808;

/** A float as line protocol writes one: not a string, a boolean, an integer (`i`) or an unsigned (`u`). */
function isFloatText(text: string): boolean {
    return text !== '' && !/^["tTfF]|[iu]$/.test(text) && Number.isFinite(Number(text));
}

/**
 * The line with the conflicting field's value rewritten in the type InfluxDB holds (see RetypedLine).
 * Lines are read as PointEncoder writes them: `measurement[,tags] key=value[,key=value…] time`.
 */
export function retypeLine(line: string, conflict: FieldTypeConflict): RetypedLine {
    const fields = fieldsOf(line);
    if (fields === undefined || !sameName(line.slice(0, fields.measurementEnd), conflict.measurement)) return UNRELATED;
    for (const [index, field] of fields.list.entries()) {
        if (!sameName(line.slice(field.start, field.equals), conflict.field)) continue;
        const value = line.slice(field.equals + 1, field.end);
        if (typeOfValue(value) === conflict.held) return UNRELATED;
        const retyped = valueAs(value, conflict.held);
        if (retyped !== undefined) return { kind: 'retyped', line: line.slice(0, field.equals + 1) + retyped + line.slice(field.end) };
        if (fields.list.length === 1) return { kind: 'inexact', value, rest: undefined };
        // The separator before the field goes with it; the first field takes the comma after it.
        const cut = index === 0 ? [field.start, fields.list[1].start] : [fields.list[index - 1].end, field.end];
        return { kind: 'inexact', value, rest: line.slice(0, cut[0]) + line.slice(cut[1]) };
    }
    return UNRELATED;
}

const UNRELATED: RetypedLine = Object.freeze({ kind: 'unrelated' });

/** The type of a value's text in line protocol. */
function typeOfValue(text: string): FieldType | undefined {
    if (text.startsWith('"')) return 'string';
    if (/^-?\d+i$/.test(text)) return 'integer';
    if (isFloatText(text)) return 'float';
    return /^(t|T|true|True|TRUE|f|F|false|False|FALSE)$/.test(text) ? 'boolean' : undefined;
}

/**
 * InfluxDB names the measurement and field in its messages without their escapes; a name the encoder
 * wrote is compared both ways, in case a version prints them as sent.
 */
function sameName(escaped: string, named: string): boolean {
    return escaped === named || escaped.replace(/\\([,= "])/g, '$1') === named;
}

interface FieldSpan {
    /** Where the key starts, where its `=` is, and where the value ends (at the `,` or space after it). */
    start: number;
    equals: number;
    end: number;
}

/** Where a line's measurement ends and each of its fields lies; undefined when the line is not one the encoder writes. */
function fieldsOf(line: string): { measurementEnd: number; list: FieldSpan[] } | undefined {
    let i = 0;
    let measurementEnd = -1;
    // The measurement ends at the first unescaped comma or space, the tags at the first unescaped space.
    for (; i < line.length; i++) {
        const c = line[i];
        if (c === '\\') i++;
        else if (c === ',' && measurementEnd < 0) measurementEnd = i;
        else if (c === ' ') break;
    }
    if (measurementEnd < 0) measurementEnd = i;
    if (i >= line.length) return undefined;
    const list: FieldSpan[] = [];
    for (;;) {
        const start = i + 1;
        let j = start;
        while (j < line.length && line[j] !== '=') j += line[j] === '\\' ? 2 : 1;
        if (j >= line.length) return undefined;
        const equals = j++;
        if (line[j] === '"') {
            for (j++; j < line.length && line[j] !== '"'; j++) if (line[j] === '\\') j++;
            if (j >= line.length) return undefined;
            j++;
        } else {
            while (j < line.length && line[j] !== ',' && line[j] !== ' ') j++;
        }
        list.push({ start, equals, end: j });
        if (line[j] !== ',') return { measurementEnd, list };
        i = j;
    }
}
