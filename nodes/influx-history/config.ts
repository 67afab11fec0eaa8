/**
 * The `influx-history` properties as saved in a flow file, checked and turned into typed settings.
 * Part of the flow-file contract: names and values are documented in the node's help.
 */
import type { HistoryField } from '../../lib/store/history-query';
import { ConfigError } from '../shared/config-error';

export { ConfigError };

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

export function parseInfluxHistory(p: InfluxHistoryProperties): InfluxHistorySettings {
    const measurement = (p.measurement ?? '').trim();
    if (measurement === '') throw new ConfigError('influx-history.errors.measurement', 'measurement', p.measurement);
    const fields = parseFields(p.fields);
    const energyUnit = p.energyUnit || 'kWh';
    if (energyUnit !== 'Wh' && energyUnit !== 'kWh') throw new ConfigError('influx-history.errors.energyUnit', 'energyUnit', p.energyUnit);
    const output = p.output || 'chart';
    if (output !== 'chart' && output !== 'samples') throw new ConfigError('influx-history.errors.output', 'output', p.output);
    const interval = p.interval === undefined || p.interval === '' ? 300 : Number(p.interval);
    if (!Number.isInteger(interval) || interval < 1) throw new ConfigError('influx-history.errors.interval', 'interval', p.interval);
    return {
        measurement,
        meterTag: p.meterTag === undefined ? 'meter' : p.meterTag.trim(),
        meter: (p.meter ?? '').trim(),
        fields,
        rangeProperty: (p.rangeProperty ?? '').trim() || 'payload',
        timeZone: (p.timeZone ?? '').trim() || 'Europe/Paris',
        energyUnit,
        output,
        interval,
    };
}

function parseFields(value: unknown): HistoryField[] {
    if (!Array.isArray(value) || value.length === 0) throw new ConfigError('influx-history.errors.fields', 'fields', value);
    return value.map((field: unknown) => {
        const { name, kind, label } = (typeof field === 'object' && field !== null ? field : {}) as Record<string, unknown>;
        if (typeof name !== 'string' || name.trim() === '' || (kind !== 'power' && kind !== 'energy')) {
            throw new ConfigError('influx-history.errors.field', 'fields', field);
        }
        return { name: name.trim(), kind, label: typeof label === 'string' ? label.trim() : '' };
    });
}
