/**
 * STGE, the standard-mode status register: 8 hex characters, most significant first
 * (Enedis-NOI-CPT_54E §6.2.3.14). Decoded into named fields a user can test in a switch node.
 */
export interface StgeStatus {
    raw: string;
    /** Bit 0: the dry contact (relay 1) is open. */
    dryContactOpen: boolean;
    /** Bits 1-3: state of the cut-off device (organe de coupure). */
    cutOff:
        | 'closed'
        | 'overpower'
        | 'overvoltage'
        | 'load-shedding'
        | 'remote-order'
        | 'overheat-over-imax'
        | 'overheat-under-imax'
        | 'unknown';
    /** Bit 4: the distributor's terminal cover is open. */
    terminalCoverOpen: boolean;
    /** Bit 6: overvoltage on a phase. */
    overvoltage: boolean;
    /** Bit 7: the reference (subscribed) power is exceeded. */
    overpower: boolean;
    /** Bit 8: the meter runs in producer mode. */
    producer: boolean;
    /** Bit 9: active energy flows in the negative direction (injection). */
    injecting: boolean;
    /** Bits 10-13: supplier tariff index in use, 1..10. */
    supplierTariff: number;
    /** Bits 14-15: distributor tariff index in use, 1..4. */
    distributorTariff: number;
    /** Bit 16: the real-time clock is degraded. */
    clockDegraded: boolean;
    /** Bit 17: the TIC output is in standard mode. */
    ticStandard: boolean;
    /** Bits 19-20: Euridis output. */
    euridis: 'off' | 'on' | 'secured' | 'unknown';
    /** Bits 21-22: powerline (CPL) status. */
    cpl: 'new-unlocked' | 'new-locked' | 'registered' | 'unknown';
    /** Bit 23: powerline synchronised. */
    cplSynchronised: boolean;
    /** Bits 24-25 and 26-27: Tempo colour today and tomorrow. */
    tempoToday: TempoColour;
    tempoTomorrow: TempoColour;
    /** Bits 28-29: mobile-peak notice, 0 = none, 1..3 = PM1..PM3. */
    mobilePeakNotice: number;
    /** Bits 30-31: mobile peak in progress, 0 = none, 1..3 = PM1..PM3. */
    mobilePeakActive: number;
}

export type TempoColour = 'none' | 'blue' | 'white' | 'red';

const CUT_OFF: StgeStatus['cutOff'][] = [
    'closed',
    'overpower',
    'overvoltage',
    'load-shedding',
    'remote-order',
    'overheat-over-imax',
    'overheat-under-imax',
    'unknown',
];
const EURIDIS: StgeStatus['euridis'][] = ['off', 'on', 'unknown', 'secured'];
const CPL: StgeStatus['cpl'][] = ['new-unlocked', 'new-locked', 'registered', 'unknown'];
const TEMPO: TempoColour[] = ['none', 'blue', 'white', 'red'];

/** Decodes STGE, or returns undefined when the value is not 8 hex characters. */
export function decodeStge(raw: string): StgeStatus | undefined {
    if (!/^[0-9A-Fa-f]{8}$/.test(raw)) return undefined;
    const v = parseInt(raw, 16);
    const bits = (shift: number, width: number) => Math.floor(v / 2 ** shift) & ((1 << width) - 1);
    return {
        raw,
        dryContactOpen: bits(0, 1) === 1,
        cutOff: CUT_OFF[bits(1, 3)],
        terminalCoverOpen: bits(4, 1) === 1,
        overvoltage: bits(6, 1) === 1,
        overpower: bits(7, 1) === 1,
        producer: bits(8, 1) === 1,
        injecting: bits(9, 1) === 1,
        supplierTariff: bits(10, 4) + 1,
        distributorTariff: bits(14, 2) + 1,
        clockDegraded: bits(16, 1) === 1,
        ticStandard: bits(17, 1) === 1,
        euridis: EURIDIS[bits(19, 2)],
        cpl: CPL[bits(21, 2)],
        cplSynchronised: bits(23, 1) === 1,
        tempoToday: TEMPO[bits(24, 2)],
        tempoTomorrow: TEMPO[bits(26, 2)],
        mobilePeakNotice: bits(28, 2),
        mobilePeakActive: bits(30, 2),
    };
}
