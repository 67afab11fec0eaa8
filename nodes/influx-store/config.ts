/**
 * The `influx-store` properties as saved in a flow file, checked and turned into typed settings.
 * Part of the flow-file contract: names and values are documented in the node's help.
 */
import type { Precision, NumberTyping } from '../../lib/store/line-protocol';
import { ConfigError } from '../shared/config-error';

export { ConfigError };

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

const PRECISIONS: readonly string[] = ['ns', 'us', 'ms', 's'];
/** InfluxDB's own advice is at most 5,000 points per request; a little room above for those who measured. */
const MAX_BATCH_SIZE = 50_000;

export function parseInfluxStore(p: InfluxStoreProperties): InfluxStoreSettings {
    const precision = p.precision || 'ms';
    if (!PRECISIONS.includes(precision)) throw new ConfigError('influx-store.errors.precision', 'precision', p.precision);
    // Flows saved before the setting existed have none and take the new default; 'auto' stays as saved.
    const numbers = p.numbers || 'float';
    if (numbers !== 'auto' && numbers !== 'float') throw new ConfigError('influx-store.errors.numbers', 'numbers', p.numbers);
    const batchSize = numberOr(p.batchSize, 5000);
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) throw new ConfigError('influx-store.errors.batchSize', 'batchSize', p.batchSize);
    const flushInterval = numberOr(p.flushInterval, 1);
    if (!(flushInterval > 0) || !Number.isFinite(flushInterval)) throw new ConfigError('influx-store.errors.flushInterval', 'flushInterval', p.flushInterval);
    const spoolMaxMB = numberOr(p.spoolMaxMB, 200);
    if (!(spoolMaxMB > 0) || !Number.isFinite(spoolMaxMB)) throw new ConfigError('influx-store.errors.spoolMaxMB', 'spoolMaxMB', p.spoolMaxMB);
    return {
        measurement: (p.measurement ?? '').trim(),
        topicTag: p.topicTag === undefined ? 'meter' : p.topicTag.trim(),
        tagsProperty: (p.tagsProperty ?? '').trim() || 'tags',
        fieldsProperty: (p.fieldsProperty ?? '').trim() || 'payload',
        precision: precision as Precision,
        numbers,
        integerFields: (p.integerFields ?? '').split(',').map((name) => name.trim()).filter((name) => name !== ''),
        batchSize,
        flushIntervalMs: flushInterval * 1000,
        spoolMaxBytes: Math.round(spoolMaxMB * 1_000_000),
    };
}

function numberOr(value: string | number | undefined, fallback: number): number {
    return value === undefined || value === '' ? fallback : Number(value);
}
