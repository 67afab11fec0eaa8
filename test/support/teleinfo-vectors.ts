/** The real Téléinfo captures of shared/vectors/teleinfo and their expected values. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { teleinfoVectorsDir } from './paths';

export interface VectorGroup {
    raw: string;
    label: string;
    value?: string;
    horodate?: string;
    horodate_decoded?: { iso_with_offset: string };
    separator: string;
    expected_mode_ok: boolean;
}
export interface VectorFrame {
    start: string;
    end: string;
    group_count: number;
    all_groups_valid: boolean;
    groups: VectorGroup[];
    labels: Record<string, string>;
}
export interface Vector {
    id: string;
    file: string;
    mode: 'historic' | 'standard';
    phases: number;
    bytes_exact: boolean;
    frames: VectorFrame[];
}
export interface DerivedCase {
    id: string;
    file: string;
    frames_seen: { end: string; groups: number; invalid: string[] }[];
}
export interface TeleinfoVectors {
    vectors: Vector[];
    group_cases: VectorGroup[];
    derived_cases: DerivedCase[];
}

export const teleinfoVectors = JSON.parse(fs.readFileSync(path.join(teleinfoVectorsDir, 'vectors.json'), 'utf8')) as TeleinfoVectors;

export function captureBytes(file: string): Buffer {
    return fs.readFileSync(path.join(teleinfoVectorsDir, file));
}

/** Frames that the decoder must emit: the ones that both started with STX and ended with ETX. */
export function completeFrames(vector: Vector): VectorFrame[] {
    return vector.frames.filter((f) => f.start === 'STX' && f.end === 'ETX');
}

/** Wraps one group line (LF…CR) in a frame (STX…ETX). */
export function frameOfGroups(...lines: string[]): Buffer {
    return Buffer.from(`\x02${lines.map((l) => `\n${l}\r`).join('')}\x03`, 'latin1');
}

/**
 * A well-formed group line (without LF/CR), its checksum computed here independently of the
 * decoder: sum & 0x3F + 0x20 over label SEP [horodate SEP] value, plus the final SEP in standard mode.
 */
export function groupLine(label: string, value: string, mode: 'historic' | 'standard' = 'historic', horodate?: string): string {
    const sep = mode === 'historic' ? ' ' : '\t';
    const zone = [label, ...(horodate === undefined ? [] : [horodate]), value].join(sep) + (mode === 'standard' ? sep : '');
    let sum = 0;
    for (const ch of zone) sum += ch.charCodeAt(0);
    return `${[label, ...(horodate === undefined ? [] : [horodate]), value].join(sep)}${sep}${String.fromCharCode((sum & 0x3f) + 0x20)}`;
}
