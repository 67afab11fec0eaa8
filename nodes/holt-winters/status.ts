/**
 * The status of a `holt-winters` node, from its series and its counters.
 */
import type { SeriesBankSummary } from '../../lib/forecast/series-bank';
import type { NodeStatus, Translate } from '../shared/status';

export interface HoltWintersCounters {
    /** Messages refused (not a number, a bad timestamp). */
    badInputs: number;
    /** Samples ignored for coming late or twice. */
    lateSamples: number;
}

export function forecastStatus(summary: SeriesBankSummary, counters: HoltWintersCounters, t: Translate): NodeStatus {
    if (summary.series === 0) return { fill: 'grey', shape: 'ring', text: t('holt-winters.status.waiting') };
    const fill = summary.failing > 0 ? 'red' : summary.warmingUp > 0 ? 'yellow' : 'green';
    const text = t('holt-winters.status.summary', {
        series: summary.series,
        warmingUp: summary.warmingUp,
        failing: summary.failing,
        badInputs: counters.badInputs,
        late: counters.lateSamples,
    });
    return { fill, shape: 'dot', text };
}
