/**
 * Turns decoded frames into readings: the message contract of `teleinfo-in`, with the state that
 * needs more than one frame (the last long frame that three-phase short frames update, the last
 * plausible energy indexes, the meter id).
 *
 * A group whose checksum is valid is always kept; plausibility checks only name it in `suspect`:
 * a value whose length differs from the label's fixed size, a non-digit value where the label is
 * numeric, an energy index that went down or jumped by more than any real load could draw.
 */
import type { TicFrame, TicMode } from './decoder';
import { parseHorodate, type Horodate } from './horodate';
import { ALERT_LABELS, LABELS } from './labels';
import { decodeStge, type StgeStatus } from './stge';

export type TicValue = string | number;

export interface TicReading {
    /** Meter id: ADCO (historic) or ADSC (standard); the last known one if this frame lost it. */
    topic: string;
    payload: Record<string, TicValue>;
    /** Label → ISO-8601 local time with offset (no offset for season SP). */
    horodates: Record<string, string>;
    /** Unit of each numeric label of the payload, as the meter sends it. */
    units: Record<string, string>;
    /** Present (true) when a horodate carried a lowercase season: the meter's clock is degraded. */
    clockDegraded?: true;
    /** DATE's time (standard mode) or the time the frame ended, ms since the epoch. */
    timestamp: number;
    mode: TicMode;
    invalid: string[];
    suspect: string[];
    stge?: StgeStatus;
    /** Present (true) for a three-phase historic short frame (ADIRx overload burst). */
    shortFrame?: true;
}

/** Above this average power between two frames an index increase is not a real consumption. */
const MAX_PLAUSIBLE_POWER_W = 250_000;
/** Slack for an index increase, whatever the elapsed time (clock jitter, rounding). */
const INDEX_JUMP_SLACK_WH = 1000;
/** After this many suspect values in a row, an index's new level is taken (meter reset, swap). */
const REBASE_AFTER_SUSPECTS = 5;

interface IndexBaseline {
    value: number;
    at: number;
    suspects: number;
}

export class TicMeterView {
    private meterId = '';
    private lastLongFrame: Record<string, TicValue> | undefined;
    private readonly baselines = new Map<string, IndexBaseline>();
    /** Last horodate seen per label: most of them (SMAXSN, CCASN…) repeat from frame to frame. */
    private readonly horodateCache = new Map<string, { raw: string; parsed: Horodate | undefined }>();

    /** Builds the reading of one complete frame that ended at `endedAt` (ms since the epoch). */
    read(frame: TicFrame, endedAt: number): TicReading {
        const own: Record<string, TicValue> = {};
        const horodates: Record<string, string> = {};
        const suspect: string[] = [];
        let clockDegraded = false;
        let timestamp = endedAt;

        for (const group of frame.groups) {
            own[group.label] = group.value;
            if (group.horodate !== undefined) {
                const h = this.horodate(group.label, group.horodate);
                if (h) {
                    horodates[group.label] = h.iso;
                    if (h.degraded) clockDegraded = true;
                    if (group.label === 'DATE' && frame.mode === 'standard' && h.epochMs !== undefined) timestamp = h.epochMs;
                }
            }
        }

        // Before the plausibility checks: another meter's indexes are not compared with this one's.
        const id = own.ADCO ?? own.ADSC;
        if (typeof id === 'string' && id !== '' && id !== this.meterId) {
            if (this.meterId !== '') this.forgetMeter();
            this.meterId = id;
        }
        for (const group of frame.groups) {
            if (!this.plausible(group.label, group.value, group.width, endedAt)) suspect.push(group.label);
        }

        const shortFrame = frame.mode === 'historic' && isShortFrame(own);
        let payload = own;
        if (shortFrame) {
            if (this.lastLongFrame) {
                payload = { ...this.lastLongFrame, ...own };
                this.lastLongFrame = { ...payload };
            }
        } else {
            this.lastLongFrame = { ...own };
        }

        const units: Record<string, string> = {};
        for (const label in payload) {
            const unit = LABELS[label]?.unit;
            if (unit !== undefined && typeof payload[label] === 'number') units[label] = unit;
        }

        const reading: TicReading = {
            topic: this.meterId,
            payload,
            horodates,
            units,
            timestamp,
            mode: frame.mode,
            invalid: frame.invalid,
            suspect,
        };
        if (clockDegraded) reading.clockDegraded = true;
        const stge = typeof own.STGE === 'string' ? decodeStge(own.STGE) : undefined;
        if (stge) reading.stge = stge;
        if (shortFrame) reading.shortFrame = true;
        return reading;
    }

    private horodate(label: string, raw: string): Horodate | undefined {
        const cached = this.horodateCache.get(label);
        if (cached !== undefined && cached.raw === raw) return cached.parsed;
        const parsed = parseHorodate(raw);
        this.horodateCache.set(label, { raw, parsed });
        return parsed;
    }

    private forgetMeter(): void {
        this.lastLongFrame = undefined;
        this.baselines.clear();
    }

    private plausible(label: string, value: TicValue, width: number, at: number): boolean {
        const info = LABELS[label];
        if (info === undefined) return true;
        if (info.length !== undefined) {
            // Text fields are padded to their size by the spec but some meters send them short.
            const ok = typeof value === 'number' || info.unit !== undefined ? width === info.length : width <= info.length;
            if (!ok) return false;
        }
        if (info.unit !== undefined && typeof value !== 'number') return false;
        if (info.index && typeof value === 'number') return this.plausibleIndex(label, value, at);
        return true;
    }

    private plausibleIndex(label: string, value: number, at: number): boolean {
        const base = this.baselines.get(label);
        if (base === undefined) {
            this.baselines.set(label, { value, at, suspects: 0 });
            return true;
        }
        const hours = Math.max(0, at - base.at) / 3_600_000;
        const ok = value >= base.value && value - base.value <= MAX_PLAUSIBLE_POWER_W * hours + INDEX_JUMP_SLACK_WH;
        if (ok || ++base.suspects >= REBASE_AFTER_SUSPECTS) {
            base.value = value;
            base.at = at;
            base.suspects = 0;
        }
        return ok;
    }
}

/** Three-phase historic short frames carry ADIRx and the currents, none of the long frame's labels. */
function isShortFrame(values: Record<string, TicValue>): boolean {
    return ('ADIR1' in values || 'ADIR2' in values || 'ADIR3' in values) && !('OPTARIF' in values) && !('PTEC' in values);
}

/** Overload warnings active in a reading (ADPS, ADIRx): they exist only while the overload lasts. */
export function activeAlerts(payload: Record<string, TicValue>): string[] {
    return Object.keys(payload).filter((label) => ALERT_LABELS.has(label));
}
