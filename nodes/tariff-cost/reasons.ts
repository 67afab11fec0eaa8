/**
 * The refusals of lib/tariff worded in the node's locales: a TariffError's code is the key
 * `tariff-cost.tariffErrors.<code>`, a ConsumptionError's `tariff-cost.consumptionErrors.<code>`,
 * and their data the parameters. Positions are 0-based in the data and shown from 1 (the first
 * tariff is "tariff 1"), a missing position as a dash; values are shown as JSON, cut short.
 */
import type { ConsumptionError } from '../../lib/tariff/consumption-input';
import type { TariffError } from '../../lib/tariff/tariff-error';
import type { Translate } from '../shared/status';

/** Data that name a position in a list. */
const POSITIONS = new Set(['tariff', 'other', 'window', 'interval', 'series', 'point', 'sample']);
const LONGEST_VALUE = 80;

export function tariffReason(t: Translate, err: TariffError): string {
    return t(`tariff-cost.tariffErrors.${err.reason}`, parameters(err.data));
}

export function consumptionReason(t: Translate, err: ConsumptionError): string {
    return t(`tariff-cost.consumptionErrors.${err.reason}`, parameters(err.data));
}

function parameters(data: Readonly<Record<string, unknown>>): Record<string, string | number> {
    return Object.fromEntries(
        Object.entries(data).map(([name, value]) => {
            if (POSITIONS.has(name) && typeof value === 'number') return [name, value + 1];
            if (name !== 'value' && (typeof value === 'string' || typeof value === 'number')) return [name, value];
            if (name !== 'value' && value === null) return [name, '—'];
            return [name, shown(value)];
        }),
    );
}

function shown(value: unknown): string {
    const text = value === undefined ? 'undefined' : (JSON.stringify(value) ?? typeof value);
    return text.length > LONGEST_VALUE ? `${text.slice(0, LONGEST_VALUE - 1)}…` : text;
}
