/**
 * The `influx-store` properties as saved in a flow file, checked and turned into typed settings.
 * Part of the flow-file contract: names and values are documented in the node's help.
 */
import type { Precision, NumberTyping } from '../../lib/store/line-protocol';
import { PropertyReader, type NumberLimits } from '../shared/properties';

export interface InfluxStoreProperties {
    server?: string;
    measurement?: string;
    topicTag?: string;
    tagsProperty?: string;
    fieldsProperty?: string;
    precision?: string;
    numbers?: string;
    /** Field names, separated by commas. */
    integerFields?: string;
    batchSize?: string | number;
    /** Seconds. */
    flushInterval?: string | number;
    spoolMaxMB?: string | number;
}

export interface InfluxStoreSettings {
    /** Used when a message (or an element of its array) names none; may be empty. */
    measurement: string;
    /** The tag msg.topic becomes; empty for none. */
    topicTag: string;
    /** Message property paths, as typed in the editor (`tags`, `forecast`, `data.fields`). */
    tagsProperty: string;
    fieldsProperty: string;
    precision: Precision;
    numbers: NumberTyping;
    /** With numbers `float`, the fields whose whole numbers are written as integers. */
    integerFields: string[];
    batchSize: number;
    flushIntervalMs: number;
    spoolMaxBytes: number;
}

/** Shared with the editor's validators (the exported setting influxStoreLimits). */
export const INFLUX_STORE_LIMITS = {
    /** InfluxDB's own advice is at most 5,000 points per request; a little room above for those who measured. */
    batchSize: { integer: true, min: 1, max: 50_000 },
    /** Seconds. */
    flushInterval: { above: 0 },
    /** Megabytes. */
    spoolMaxMB: { above: 0 },
} as const satisfies Record<string, NumberLimits>;

const PRECISIONS = ['ms', 's', 'us', 'ns'] as const satisfies readonly Precision[];
const NUMBER_TYPINGS = ['float', 'auto'] as const satisfies readonly NumberTyping[];

export function parseInfluxStore(p: InfluxStoreProperties): InfluxStoreSettings {
    const read = new PropertyReader('influx-store', p);
    return {
        measurement: read.optionalText('measurement'),
        topicTag: read.optionalText('topicTag', 'meter'),
        tagsProperty: read.text('tagsProperty', { default: 'tags' }),
        fieldsProperty: read.text('fieldsProperty', { default: 'payload' }),
        precision: read.oneOf('precision', PRECISIONS, { default: 'ms' }),
        // Flows saved before the setting existed have none and take the new default; 'auto' stays as saved.
        numbers: read.oneOf('numbers', NUMBER_TYPINGS, { default: 'float' }),
        integerFields: read
            .optionalText('integerFields')
            .split(',')
            .map((name) => name.trim())
            .filter((name) => name !== ''),
        batchSize: read.integer('batchSize', INFLUX_STORE_LIMITS.batchSize, { default: 5000 }),
        flushIntervalMs: read.durationMs('flushInterval', INFLUX_STORE_LIMITS.flushInterval, { default: 1000 }),
        spoolMaxBytes: Math.round(read.number('spoolMaxMB', INFLUX_STORE_LIMITS.spoolMaxMB, { default: 200 }) * 1_000_000),
    };
}
