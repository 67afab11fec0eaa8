/**
 * The `influx-history` properties as saved in a flow file, checked and turned into typed settings.
 * Part of the flow-file contract: names and values are documented in the node's help.
 */
import type { HistoryField } from '../../lib/store/history-query';
import { PropertyReader, type NumberLimits } from '../shared/properties';

export interface InfluxHistoryProperties {
    server?: string;
    measurement?: string;
    meterTag?: string;
    meter?: string;
    fields?: unknown;
    rangeProperty?: string;
    timeZone?: string;
    energyUnit?: string;
    output?: string;
    interval?: unknown;
}

export type EnergyUnit = 'Wh' | 'kWh';

/** `chart`: a ui_chart payload of every field; `samples`: the first field as [{ timestamp, value }]. */
export type HistoryOutput = 'chart' | 'samples';

export interface InfluxHistorySettings {
    measurement: string;
    meterTag: string;
    meter: string;
    fields: HistoryField[];
    rangeProperty: string;
    timeZone: string;
    energyUnit: EnergyUnit;
    output: HistoryOutput;
    /** The samples' interval, in seconds. */
    interval: number;
}

/** Energy indexes are in Wh (as meters count them); the chart shows this unit. */
export const ENERGY_SCALE: Record<EnergyUnit, number> = { Wh: 1, kWh: 0.001 };

/** Shared with the editor's validators (the exported setting influxHistoryLimits). */
export const INFLUX_HISTORY_LIMITS = {
    /** The samples' interval, whole seconds. */
    interval: { integer: true, min: 1 },
} as const satisfies Record<string, NumberLimits>;

const ENERGY_UNITS = ['Wh', 'kWh'] as const;
const OUTPUTS = ['chart', 'samples'] as const;

export function parseInfluxHistory(p: InfluxHistoryProperties): InfluxHistorySettings {
    const read = new PropertyReader('influx-history', p);
    return {
        measurement: read.text('measurement'),
        meterTag: read.optionalText('meterTag', 'meter'),
        meter: read.optionalText('meter'),
        fields: parseFields(read, p.fields),
        rangeProperty: read.text('rangeProperty', { default: 'payload' }),
        timeZone: read.timeZone('timeZone', { default: 'Europe/Paris' }),
        energyUnit: read.oneOf('energyUnit', ENERGY_UNITS, { default: 'kWh' }),
        output: read.oneOf('output', OUTPUTS, { default: 'chart' }),
        interval: read.integer('interval', INFLUX_HISTORY_LIMITS.interval, { default: 300 }),
    };
}

function parseFields(read: PropertyReader, value: unknown): HistoryField[] {
    if (!Array.isArray(value) || value.length === 0) throw read.refuse('fields', value);
    return value.map((field: unknown) => {
        const { name, kind, label } = (typeof field === 'object' && field !== null ? field : {}) as Record<string, unknown>;
        if (typeof name !== 'string' || name.trim() === '' || (kind !== 'power' && kind !== 'energy'))
            throw read.refuse('fields', field, 'influx-history.errors.field');
        return { name: name.trim(), kind, label: typeof label === 'string' ? label.trim() : '' };
    });
}
