/**
 * The status of a `teleinfo-in` node reading a meter, from its session's state and counters.
 */
import type { TicCounters } from '../../lib/teleinfo/decoder';
import type { NodeStatus, Translate } from '../shared/status';

export interface TeleinfoView {
    /** The TIC mode once detected. */
    mode: 'historic' | 'standard' | undefined;
    /** The serial speed, when the bytes come from a serial port. */
    baud: number | undefined;
    counters: Readonly<TicCounters>;
    /** The last frame had groups dropped (bad checksum or format). */
    lastFrameHadDrops: boolean;
}

export function readingStatus(view: TeleinfoView, t: Translate): NodeStatus {
    const c = view.counters;
    if (view.mode === undefined && c.frames === 0) {
        return { fill: 'yellow', shape: 'dot', text: t('teleinfo-in.status.searching', { baud: view.baud ?? '' }) };
    }
    const params = {
        mode: t(`teleinfo-in.mode.${view.mode ?? 'auto'}`),
        baud: view.baud ?? '',
        frames: c.frames,
        errors: c.badChecksum + c.badFormat + c.oversize,
        interrupted: c.interrupted,
    };
    const key = view.baud === undefined ? 'teleinfo-in.status.readingNoBaud' : 'teleinfo-in.status.reading';
    return { fill: view.lastFrameHadDrops ? 'yellow' : 'green', shape: 'dot', text: t(key, params) };
}
