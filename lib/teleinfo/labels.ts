/**
 * What the decoder knows about each Téléinfo label: the value's length, its unit and whether it is an
 * energy index (a counter that never decreases). Sources: Enedis-NOI-CPT_02E (historic) and
 * Enedis-NOI-CPT_54E §6.1-6.2 (Linky historic and standard). Unknown labels are still decoded; this
 * table only feeds plausibility checks and `msg.units`.
 */
export interface LabelInfo {
    /** Expected value length in characters (historic values are fixed-size; 0 = empty, DATE). */
    length?: number;
    /** Unit the meter sends the value in; numbers are never rescaled. */
    unit?: string;
    /** An energy index: plausible only if it never decreases from one frame to the next. */
    index?: boolean;
}

/** Labels whose values stay strings even when they are all digits (identifiers, codes, words). */
export const STRING_LABELS: ReadonlySet<string> = new Set([
    'ADCO',
    'ADSC',
    'PRM',
    'OPTARIF',
    'PTEC',
    'DEMAIN',
    'NGTF',
    'LTARF',
    'MSG1',
    'MSG2',
    'STGE',
    'PJOURF+1',
    'PPOINTE',
    'HHPHC',
    'MOTDETAT',
    'PPOT',
]);

/** Overload warnings that exist only while the overload lasts (historic mode). */
export const ALERT_LABELS: ReadonlySet<string> = new Set(['ADPS', 'ADIR1', 'ADIR2', 'ADIR3']);

const index = (length = 9): LabelInfo => ({ length, unit: 'Wh', index: true });
const amps = (length = 3): LabelInfo => ({ length, unit: 'A' });
const va = (length = 5): LabelInfo => ({ length, unit: 'VA' });

const table: Record<string, LabelInfo> = {
    // historic mode
    ADCO: { length: 12 },
    OPTARIF: { length: 4 },
    ISOUSC: amps(2),
    BASE: index(),
    HCHC: index(),
    HCHP: index(),
    EJPHN: index(),
    EJPHPM: index(),
    BBRHCJB: index(),
    BBRHPJB: index(),
    BBRHCJW: index(),
    BBRHPJW: index(),
    BBRHCJR: index(),
    BBRHPJR: index(),
    GAZ: { length: 7, unit: 'dal', index: true },
    AUTRE: { length: 7, unit: 'dal', index: true },
    PEJP: { length: 2, unit: 'min' },
    PTEC: { length: 4 },
    DEMAIN: { length: 4 },
    IINST: amps(),
    IINST1: amps(),
    IINST2: amps(),
    IINST3: amps(),
    ADPS: amps(),
    ADIR1: amps(),
    ADIR2: amps(),
    ADIR3: amps(),
    IMAX: amps(),
    IMAX1: amps(),
    IMAX2: amps(),
    IMAX3: amps(),
    PMAX: va(),
    PAPP: va(),
    HHPHC: { length: 1 },
    MOTDETAT: { length: 6 },
    PPOT: { length: 2 },
    // standard mode
    ADSC: { length: 12 },
    VTIC: { length: 2 },
    DATE: { length: 0 },
    NGTF: { length: 16 },
    LTARF: { length: 16 },
    EAST: index(),
    EAIT: index(),
    ERQ1: { length: 9, unit: 'VArh', index: true },
    ERQ2: { length: 9, unit: 'VArh', index: true },
    ERQ3: { length: 9, unit: 'VArh', index: true },
    ERQ4: { length: 9, unit: 'VArh', index: true },
    IRMS1: amps(),
    IRMS2: amps(),
    IRMS3: amps(),
    URMS1: { length: 3, unit: 'V' },
    URMS2: { length: 3, unit: 'V' },
    URMS3: { length: 3, unit: 'V' },
    UMOY1: { length: 3, unit: 'V' },
    UMOY2: { length: 3, unit: 'V' },
    UMOY3: { length: 3, unit: 'V' },
    PREF: { length: 2, unit: 'kVA' },
    PCOUP: { length: 2, unit: 'kVA' },
    SINSTS: va(),
    SINSTS1: va(),
    SINSTS2: va(),
    SINSTS3: va(),
    SINSTI: va(),
    SMAXSN: va(),
    SMAXSN1: va(),
    SMAXSN2: va(),
    SMAXSN3: va(),
    'SMAXSN-1': va(),
    'SMAXSN1-1': va(),
    'SMAXSN2-1': va(),
    'SMAXSN3-1': va(),
    SMAXIN: va(),
    'SMAXIN-1': va(),
    CCASN: { length: 5, unit: 'W' },
    'CCASN-1': { length: 5, unit: 'W' },
    CCAIN: { length: 5, unit: 'W' },
    'CCAIN-1': { length: 5, unit: 'W' },
    STGE: { length: 8 },
    DPM1: { length: 2 },
    FPM1: { length: 2 },
    DPM2: { length: 2 },
    FPM2: { length: 2 },
    DPM3: { length: 2 },
    FPM3: { length: 2 },
    MSG1: { length: 32 },
    MSG2: { length: 16 },
    PRM: { length: 14 },
    RELAIS: { length: 3 },
    NTARF: { length: 2 },
    NJOURF: { length: 2 },
    'NJOURF+1': { length: 2 },
    'PJOURF+1': { length: 98 },
    PPOINTE: { length: 98 },
};
for (let i = 1; i <= 10; i++) table[`EASF${String(i).padStart(2, '0')}`] = index();
for (let i = 1; i <= 4; i++) table[`EASD0${i}`] = index();

export const LABELS: Readonly<Record<string, LabelInfo>> = table;

/** Labels a standard-mode meter sends with a horodate (the others must not carry one). */
export const HORODATED_LABELS: ReadonlySet<string> = new Set([
    'DATE',
    'SMAXSN',
    'SMAXSN1',
    'SMAXSN2',
    'SMAXSN3',
    'SMAXSN-1',
    'SMAXSN1-1',
    'SMAXSN2-1',
    'SMAXSN3-1',
    'SMAXIN',
    'SMAXIN-1',
    'CCASN',
    'CCASN-1',
    'CCAIN',
    'CCAIN-1',
    'UMOY1',
    'UMOY2',
    'UMOY3',
    'DPM1',
    'FPM1',
    'DPM2',
    'FPM2',
    'DPM3',
    'FPM3',
]);
