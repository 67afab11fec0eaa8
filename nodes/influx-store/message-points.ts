/**
 * Messages → points, as the influx-store help documents them:
 *
 *   fields       the configured property (msg.payload by default): an object of fields, or a
 *                single value (number, boolean, string) stored as the field `value`; an array
 *                is several points, each element { fields | payload, tags?, timestamp?, measurement? }
 *   measurement  the element's, else msg.measurement, else the node's
 *   tags         msg.topic as the topic tag, then the tags property (msg.tags), then the element's
 *                tags: a later one wins for the same key; numbers and booleans become strings
 *   time         the element's timestamp, else msg.timestamp, else when the message arrived (read
 *                while it is handled, and only then: the clock costs more than the rest of a point)
 *
 * Runs for every message: the common case (one point, no extra tags) allocates the point alone.
 */
import type { Point } from '../../lib/store/line-protocol';

/** Reads one message property (msg.payload, msg.data.fields…). */
export type MessagePropertyReader = (msg: Record<string, unknown>) => unknown;

/**
 * A reader of the message property `expression`, parsed once by `parsePath` (the runtime's
 * RED.util.normalisePropertyExpression, which throws on a bad expression). It reads as the runtime's
 * getMessageProperty does, without its per-message parsing (this runs for every message), and gives
 * undefined where that throws for a missing parent: the message then has no fields, its own error.
 */
export function messagePropertyReader(expression: string, parsePath: (path: string) => (string | number)[]): MessagePropertyReader {
    const segments = parsePath(expression);
    if (segments.length === 1) {
        const key = segments[0];
        return (msg) => msg[key];
    }
    return (msg) => {
        let value: unknown = msg;
        for (const segment of segments) {
            if (typeof value !== 'object' || value === null) return undefined;
            value = (value as Record<string | number, unknown>)[segment];
        }
        return value;
    };
}

export interface MessagePointsOptions {
    /** The node's measurement; may be empty when every message names its own. */
    measurement: string;
    topicTag: string;
    readFields: MessagePropertyReader;
    readTags: MessagePropertyReader;
    /** Milliseconds since the epoch, for messages without a time; Date.now by default. */
    clock?: () => number;
}

/** The points of a message that were not stored, and why. */
export interface UnstoredPoints {
    /** Each point not stored, in order: its index in the array (-1 for a message that is one point) and why. */
    failures: { index: number; reason: string }[];
    /** How many points the message had (its array's length, or 1). */
    points: number;
    /** How many of the failures could not be points at all; the others are those `store` refused. */
    invalid: number;
}

export class MessagePoints {
    private readonly measurement: string;
    private readonly topicTag: string;
    private readonly readFields: (msg: Record<string, unknown>) => unknown;
    private readonly readTags: (msg: Record<string, unknown>) => unknown;
    private readonly clock: () => number;
    /** The tags of the last topic seen: a meter's messages share one object. */
    private lastTopic: string | undefined;
    private lastTopicTags: Readonly<Record<string, string>> | undefined;

    constructor(options: MessagePointsOptions) {
        this.measurement = options.measurement;
        this.topicTag = options.topicTag;
        this.readFields = options.readFields;
        this.readTags = options.readTags;
        this.clock = options.clock ?? Date.now;
    }

    /**
     * Calls `store` for each point of the message, in order; it answers why the point was not stored,
     * or undefined once it was. Returns undefined when every point was stored, else which were not:
     * those `store` refused and what cannot be a point.
     */
    read(msg: Record<string, unknown>, store: (point: Point) => string | undefined): UnstoredPoints | undefined {
        const value = this.readFields(msg);
        const messageTags = this.readTags(msg);
        if (!Array.isArray(value)) {
            const fields = fieldsOf(value);
            const measurement = this.measurementOf(msg.measurement);
            const time = isMissing(msg.timestamp) ? this.clock() : timeOf(msg.timestamp);
            let invalid: string | undefined;
            if (fields === undefined) invalid = 'no fields: the message has no value at the fields property';
            else if (measurement === undefined) invalid = 'no measurement: set one on the node or in msg.measurement';
            else if (Number.isNaN(time))
                invalid = `msg.timestamp ${describe(msg.timestamp)} is not a time (ms since 1970, a Date or ISO-8601 text)`;
            if (invalid !== undefined) return { failures: [{ index: -1, reason: invalid }], points: 1, invalid: 1 };
            const refused = store({
                measurement: measurement!,
                tags: this.tagsOf(msg.topic, messageTags, undefined),
                fields: fields!,
                time,
            });
            return refused === undefined ? undefined : { failures: [{ index: -1, reason: refused }], points: 1, invalid: 0 };
        }
        // One arrival time for every element without a time of its own, read when the first one needs it.
        let arrivedAt = NaN;
        const arrival = (): number => (Number.isNaN(arrivedAt) ? (arrivedAt = this.clock()) : arrivedAt);
        const messageTime = isMissing(msg.timestamp) ? undefined : timeOf(msg.timestamp);
        let unstored: UnstoredPoints | undefined;
        for (let index = 0; index < value.length; index++) {
            const element: unknown = value[index];
            let invalid: string | undefined;
            let refused: string | undefined;
            if (!isPlainObject(element)) {
                invalid = 'an array element must be an object { fields, tags?, timestamp?, measurement? }';
            } else {
                const fields = fieldsOf(element.fields ?? element.payload);
                const measurement = this.measurementOf(isName(element.measurement) ? element.measurement : msg.measurement);
                const time =
                    element.timestamp === undefined
                        ? (messageTime ?? arrival())
                        : isMissing(element.timestamp)
                          ? arrival()
                          : timeOf(element.timestamp);
                if (fields === undefined) invalid = 'no fields: the element has neither fields nor payload';
                else if (measurement === undefined) invalid = 'no measurement: set one on the node, in msg.measurement or in the element';
                else if (Number.isNaN(time))
                    invalid = `timestamp ${describe(element.timestamp ?? msg.timestamp)} is not a time (ms since 1970, a Date or ISO-8601 text)`;
                else refused = store({ measurement, tags: this.tagsOf(msg.topic, messageTags, element.tags), fields, time });
            }
            const reason = invalid ?? refused;
            if (reason === undefined) continue;
            unstored ??= { failures: [], points: value.length, invalid: 0 };
            unstored.failures.push({ index, reason });
            if (invalid !== undefined) unstored.invalid++;
        }
        return unstored;
    }

    private measurementOf(given: unknown): string | undefined {
        if (isName(given)) return given;
        return this.measurement === '' ? undefined : this.measurement;
    }

    private tagsOf(topic: unknown, messageTags: unknown, elementTags: unknown): Readonly<Record<string, string>> | undefined {
        const topicValue =
            this.topicTag !== '' && (typeof topic === 'string' || (typeof topic === 'number' && Number.isFinite(topic)))
                ? String(topic)
                : '';
        if (!isPlainObject(messageTags) && !isPlainObject(elementTags)) {
            if (topicValue === '') return undefined;
            if (topicValue !== this.lastTopic) {
                this.lastTopic = topicValue;
                // Frozen: the encoder may then reuse its series key for every point of this topic.
                this.lastTopicTags = Object.freeze({ [this.topicTag]: topicValue });
            }
            return this.lastTopicTags;
        }
        const tags: Record<string, string> = {};
        if (topicValue !== '') tags[this.topicTag] = topicValue;
        copyTags(tags, messageTags);
        copyTags(tags, elementTags);
        return tags;
    }
}

function copyTags(into: Record<string, string>, from: unknown): void {
    if (!isPlainObject(from)) return;
    for (const key of Object.keys(from)) {
        const value = from[key];
        // A tag is text in InfluxDB: other values (objects, null) have no text to give it.
        if (typeof value === 'string') into[key] = value;
        else if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'boolean') into[key] = String(value);
    }
}

function fieldsOf(value: unknown): Readonly<Record<string, unknown>> | undefined {
    switch (typeof value) {
        case 'number':
        case 'boolean':
        case 'string':
            return { value };
        case 'object':
            return value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
        default:
            return undefined;
    }
}

function isMissing(time: unknown): time is undefined | null {
    return time === undefined || time === null;
}

function isName(value: unknown): value is string {
    return typeof value === 'string' && value !== '';
}

/**
 * A date and time as ISO 8601 writes them (date, or date and time with an optional offset). Date.parse
 * alone would also take '12' (1 December 2001, local time): a mistyped time would be stored silently.
 */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/** Milliseconds since the epoch: a number as is, a Date, or ISO-8601 text; NaN when it is none. */
function timeOf(value: unknown): number {
    if (typeof value === 'number') return Number.isFinite(value) ? value : NaN;
    if (value instanceof Date) return value.getTime();
    if (typeof value === 'string') return ISO_8601.test(value) ? Date.parse(value) : NaN;
    return NaN;
}

/** A value as a reason shows it: JSON where it has one, its own text otherwise (NaN, an invalid Date, a BigInt). */
function describe(value: unknown): string {
    if (typeof value === 'string') return JSON.stringify(value);
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
    if (typeof value === 'object' && value !== null) {
        try {
            return JSON.stringify(value);
        } catch {
            return Object.prototype.toString.call(value);
        }
    }
    return typeof value === 'bigint' ? `${value}n` : String(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}
