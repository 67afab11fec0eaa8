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

export const teleinfoVectors: TeleinfoVectors = JSON.parse(fs.readFileSync(path.join(teleinfoVectorsDir, 'vectors.json'), 'utf8'));

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
