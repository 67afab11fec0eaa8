/**
 * The status of a `tariff-cost` node, from its schedule and its counters.
 */
import type { NodeStatus, Translate } from '../shared/status';

export interface TariffCostCounters {
    /** Tariffs in the schedule in force. */
    tariffs: number;
    /** Pricings sent (a new schedule prices the consumption kept again: those count too). */
    priced: number;
    /** Messages refused: consumption that cannot be priced, schedules that cannot be used. */
    refused: number;
    /** The total of the last pricing, as the table shows it (12.84 €); undefined before the first. */
    lastTotal: string | undefined;
    /** Whether the last message was refused. */
    lastRefused: boolean;
}

export function tariffCostStatus(c: TariffCostCounters, t: Translate): NodeStatus {
    if (c.priced === 0 && c.refused === 0)
        return { fill: 'grey', shape: 'ring', text: t('tariff-cost.status.waiting', { tariffs: c.tariffs }) };
    const text = t(c.lastTotal === undefined ? 'tariff-cost.status.summary' : 'tariff-cost.status.summaryWithTotal', {
        tariffs: c.tariffs,
        priced: c.priced,
        refused: c.refused,
        total: c.lastTotal ?? '',
    });
    return c.lastRefused ? { fill: 'red', shape: 'ring', text } : { fill: 'green', shape: 'dot', text };
}
