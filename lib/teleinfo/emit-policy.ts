/**
 * Which readings `teleinfo-in` sends: every frame, only frames where something changed, or at most
 * one per interval. Overload warnings (ADPS, ADIRx) appearing or disappearing are always sent at
 * once, whatever the policy: they are the reason many users read the meter at all.
 */
import { activeAlerts, type TicReading, type TicValue } from './reading';

export type OutputSetting = 'frame' | 'changes' | 'interval';

/** DATE changes every frame: comparing it would make every frame a change. */
const IGNORED_FOR_CHANGES = new Set(['DATE']);

export interface EmitDecision {
    emit: boolean;
    /** With `changes`: the labels added, removed or changed since the last sent reading. */
    changed?: string[];
}

export class EmitPolicy {
    private lastSent: Record<string, TicValue> | undefined;
    private lastSentAt = -Infinity;
    private lastAlerts = '';

    constructor(
        private readonly setting: OutputSetting,
        private readonly intervalMs = 0,
    ) {}

    decide(reading: TicReading, now: number): EmitDecision {
        const alerts = activeAlerts(reading.payload).join(',');
        const alertsChanged = alerts !== this.lastAlerts;
        this.lastAlerts = alerts;
        let decision: EmitDecision;
        switch (this.setting) {
            case 'frame':
                decision = { emit: true };
                break;
            case 'changes': {
                const changed = changedLabels(this.lastSent, reading.payload);
                decision = { emit: changed.length > 0 || alertsChanged, changed };
                break;
            }
            case 'interval':
                decision = { emit: alertsChanged || now - this.lastSentAt >= this.intervalMs };
                break;
        }
        if (decision.emit) {
            this.lastSent = reading.payload;
            this.lastSentAt = now;
        }
        return decision;
    }
}

function changedLabels(before: Record<string, TicValue> | undefined, after: Record<string, TicValue>): string[] {
    const changed: string[] = [];
    for (const label in after) {
        if (!IGNORED_FOR_CHANGES.has(label) && (before === undefined || before[label] !== after[label])) changed.push(label);
    }
    if (before) for (const label in before) if (!(label in after) && !IGNORED_FOR_CHANGES.has(label)) changed.push(label);
    return changed;
}
