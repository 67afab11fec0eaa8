/**
 * The status of an `influx-store` node, from its writer's stats and the node's own counters.
 */
import type { WriterStats } from '../../lib/store/influx-writer';
import type { NodeStatus, Translate } from '../shared/status';

export interface StoreCounters {
    /** Points no message could make (no fields, no measurement, a bad time or name). */
    invalidPoints: number;
    /** Field values left out of points (non-finite numbers, null, objects, names InfluxDB cannot take). */
    droppedFields: number;
    /** Values InfluxDB cannot store in their field: data lost. */
    lostValues: number;
    /** The last point was refused for a full spool. */
    refusing: boolean;
}

export function storeStatus(stats: WriterStats, counters: StoreCounters, t: Translate): NodeStatus {
    const text =
        t('influx-store.status.counters', {
            queued: stats.queued,
            written: stats.written,
            spooled: stats.spooled,
            failed: stats.failed + counters.invalidPoints,
        }) +
        (stats.refused > 0 ? t('influx-store.status.refused', { refused: stats.refused }) : '') +
        (counters.droppedFields > 0 ? t('influx-store.status.dropped', { dropped: counters.droppedFields }) : '') +
        (counters.lostValues > 0 ? t('influx-store.status.lost', { lost: counters.lostValues }) : '');
    if (counters.refusing) return { fill: 'red', shape: 'ring', text: `${t('influx-store.status.spoolFull')} · ${text}` };
    if (stats.state === 'misconfigured') return { fill: 'red', shape: 'ring', text: `${t('influx-store.status.misconfigured')} · ${text}` };
    if (stats.state === 'retrying' || stats.spooled > 0) return { fill: 'yellow', shape: 'ring', text };
    return { fill: 'green', shape: 'dot', text };
}
