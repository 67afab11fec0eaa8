/**
 * Téléinfo (TIC) decoder, sans-IO: bytes in, frames out.
 *
 * A byte-level state machine, not a line reader: STX opens a frame, ETX closes it, EOT (the meter
 * interrupting itself) or an STX inside a frame discards the partial frame, LF/CR delimit groups,
 * bytes outside a frame are skipped (so the partial first frame after opening a port is never
 * emitted). Every byte is masked to 7 bits, so a port opened 8N1 instead of 7E1 still decodes.
 *
 * Each group is parsed from its end: the last byte is the checksum, the one before is the
 * separator, and the separator decides both the mode and the checksum rule (SP: historic, zone
 * excludes the separator; HT: standard, zone includes it). A group that fails is dropped and named
 * in `frame.invalid`; the rest of the frame is kept. Values come out typed: all-digit values are
 * numbers except for identifier and code labels (ADCO, PRM, STGE...), which stay strings.
 */
import { STRING_LABELS } from './labels';

export type TicMode = 'historic' | 'standard';
export type TicModeSetting = 'auto' | TicMode;

export interface TicGroup {
    label: string;
    /** Number for all-digit values of non-identifier labels, otherwise the trimmed string. */
    value: string | number;
    /** Length of the value as sent, before trimming and typing (for plausibility checks). */
    width: number;
    /** Raw 13-character horodate (standard mode), when the group carries one. */
    horodate?: string;
}

export interface TicFrame {
    mode: TicMode;
    /** Valid groups, in the order the meter sent them. */
    groups: TicGroup[];
    /** Labels of the groups dropped from this frame (`?` when no label could be read). */
    invalid: string[];
}

export interface TicCounters {
    /** Complete frames emitted. */
    frames: number;
    /** Valid groups in emitted frames. */
    groups: number;
    /** Groups whose checksum did not match. */
    badChecksum: number;
    /** Groups that were malformed: no separator, bad label, bad horodate, control byte, wrong mode. */
    badFormat: number;
    /** Partial frames discarded: EOT, an STX inside a frame, or silence in the middle of a frame. */
    interrupted: number;
    /** Groups or frames longer than any real one (noise or a lost ETX). */
    oversize: number;
    /** Frames that ended without a single valid group. */
    emptyFrames: number;
    /** Every group whose checksum and format were valid, in complete frames or not. */
    validGroups: number;
}

export interface TicDecoderOptions {
    /** `auto` (default) follows the separators and locks on the first mode seen in valid groups. */
    mode?: TicModeSetting;
    onFrame: (frame: TicFrame) => void;
    /** Called when auto mode locks on a mode, and with undefined when it unlocks after garbage. */
    onModeChange?: (mode: TicMode | undefined) => void;
    /** A partial frame older than this (ms of silence between two pushes) is discarded. */
    silenceMs?: number;
}

const STX = 0x02,
    ETX = 0x03,
    EOT = 0x04,
    LF = 0x0a,
    CR = 0x0d,
    HT = 0x09,
    SP = 0x20;
/** The longest real group is PJOURF+1/PPOINTE: 8 + 1 + 98 + 1 + 1 bytes. */
const MAX_GROUP = 160;
/** The longest real frame is a three-phase producer standard frame, about 1.5 KB. */
const MAX_FRAME = 4096;
const MAX_LABEL = 10;
/** A meter uses under a hundred labels; the bound keeps checksum collisions on noise from growing it. */
const MAX_INTERNED_LABELS = 256;
/** Valid groups of one separator in a row before auto mode locks on that mode. */
const LOCK_AFTER_GROUPS = 3;
/** Bytes without a valid group before auto mode forgets the mode (about two standard frames). */
const UNLOCK_AFTER_BYTES = 3000;

interface LabelEntry {
    name: string;
    keepString: boolean;
}

const enum State {
    Outside,
    InFrame,
}

function isLabelByte(c: number): boolean {
    return (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b;
}

export class TicDecoder {
    readonly counters: TicCounters = {
        frames: 0,
        groups: 0,
        badChecksum: 0,
        badFormat: 0,
        interrupted: 0,
        oversize: 0,
        emptyFrames: 0,
        validGroups: 0,
    };

    private readonly setting: TicModeSetting;
    private readonly onFrame: (frame: TicFrame) => void;
    private readonly onModeChange?: (mode: TicMode | undefined) => void;
    private readonly silenceMs: number;

    private state = State.Outside;
    private readonly group = Buffer.alloc(MAX_GROUP);
    private groupLength = 0;
    private inGroup = false;
    private groupOverflow = false;
    private frameLength = 0;
    /** Separator of the frame's first valid group: a frame is all historic or all standard. */
    private frameSeparator = 0;
    private groups: TicGroup[] = [];
    private invalid: string[] = [];
    private lastPushAt: number | undefined;

    private locked: TicMode | undefined;
    private runSeparator = 0;
    private runLength = 0;
    private bytesSinceValid = 0;
    private validInChunk = false;

    /** Interned labels by hash, so that a frame does not allocate its label strings again. */
    private readonly labels = new Map<number, LabelEntry>();

    constructor(options: TicDecoderOptions) {
        this.setting = options.mode ?? 'auto';
        this.onFrame = options.onFrame;
        this.onModeChange = options.onModeChange;
        this.silenceMs = options.silenceMs ?? 1000;
        if (this.setting !== 'auto') this.locked = this.setting;
    }

    /** The mode in force: the configured one, or the one auto mode locked on (undefined while hunting). */
    get mode(): TicMode | undefined {
        return this.locked;
    }

    /**
     * Feeds bytes in chunks of any size. `now` (ms) is optional: when given, a partial frame left
     * silent for longer than `silenceMs` is discarded before the new bytes are read.
     */
    push(chunk: Uint8Array, now?: number): void {
        if (now !== undefined) {
            if (this.state === State.InFrame && this.lastPushAt !== undefined && now - this.lastPushAt > this.silenceMs) {
                this.abortFrame();
            }
            this.lastPushAt = now;
        }
        const group = this.group;
        const n = chunk.length;
        this.validInChunk = false;
        for (let i = 0; i < n; i++) {
            let c = chunk[i] & 0x7f;
            if (this.state === State.Outside) {
                if (c === STX) this.startFrame();
                continue;
            }
            if (this.inGroup && (c >= SP || c === HT)) {
                // Hot path: copy the group's printable bytes up to the next control byte, with the
                // lengths in locals (most bytes of a stream take this loop and nothing else).
                const start = i;
                let length = this.groupLength;
                for (;;) {
                    if (length < MAX_GROUP) group[length++] = c;
                    else this.groupOverflow = true;
                    if (++i === n) break;
                    c = chunk[i] & 0x7f;
                    if (c < SP && c !== HT) break;
                }
                this.groupLength = length;
                this.frameLength += i - start;
                if (i === n) break;
            }
            if (++this.frameLength > MAX_FRAME) {
                this.counters.oversize++;
                this.state = State.Outside;
                if (c === STX) this.startFrame();
                continue;
            }
            switch (c) {
                case LF:
                    if (this.inGroup) this.rejectGroup(false); // a line break inside a group
                    this.inGroup = true;
                    this.groupLength = 0;
                    this.groupOverflow = false;
                    break;
                case CR:
                    if (this.inGroup) {
                        this.inGroup = false;
                        if (this.groupOverflow) this.rejectGroup(true);
                        else this.parseGroup();
                    }
                    break;
                case ETX:
                    if (this.inGroup) this.rejectGroup(false);
                    this.endFrame();
                    break;
                case STX:
                    this.abortFrame();
                    this.startFrame();
                    break;
                case EOT:
                    this.abortFrame();
                    break;
                default:
                    // A printable byte between groups is noise; another control byte inside a group
                    // corrupts it (e.g. HT flipped to BS), so it is kept for the group to fail.
                    if (c < SP && c !== HT && this.inGroup && this.groupLength < MAX_GROUP) group[this.groupLength++] = c;
            }
        }
        this.trackGarbage(n);
    }

    /** Auto mode forgets the mode after a stretch of bytes without one valid group (wrong speed, noise). */
    private trackGarbage(chunkLength: number): void {
        if (this.validInChunk) this.bytesSinceValid = 0;
        else this.bytesSinceValid += chunkLength;
        if (this.setting === 'auto' && this.locked !== undefined && this.bytesSinceValid > UNLOCK_AFTER_BYTES) {
            this.locked = undefined;
            this.runLength = 0;
            this.onModeChange?.(undefined);
        }
    }

    /** Forgets any partial frame, e.g. after the port reconnected; counters and mode are kept. */
    reset(): void {
        this.state = State.Outside;
        this.inGroup = false;
        this.groups = [];
        this.invalid = [];
        this.lastPushAt = undefined;
    }

    private startFrame(): void {
        this.state = State.InFrame;
        this.frameLength = 0;
        this.frameSeparator = 0;
        this.inGroup = false;
        this.groups = [];
        this.invalid = [];
    }

    private abortFrame(): void {
        if (this.state === State.InFrame) this.counters.interrupted++;
        this.state = State.Outside;
        this.inGroup = false;
    }

    private endFrame(): void {
        this.state = State.Outside;
        const groups = this.groups;
        if (groups.length === 0) {
            this.counters.emptyFrames++;
            return;
        }
        this.counters.frames++;
        this.counters.groups += groups.length;
        const mode = this.locked ?? (this.frameSeparator === HT ? 'standard' : 'historic');
        this.onFrame({ mode, groups, invalid: this.invalid });
        this.groups = [];
        this.invalid = [];
    }

    private parseGroup(): void {
        const g = this.group;
        const len = this.groupLength;
        if (len < 4) return this.rejectGroup(false);
        const checksum = g[len - 1];
        const sep = g[len - 2];
        if (sep !== SP && sep !== HT) return this.rejectGroup(false);
        const wanted = this.locked !== undefined ? (this.locked === 'standard' ? HT : SP) : this.frameSeparator || sep;
        if (sep !== wanted) return this.rejectGroup(false);

        // One pass over the checksum zone: sum, find the separators, check the label and the bytes.
        const zoneEnd = len - 2;
        let sum = 0;
        let hash = 0;
        let labelEnd = -1;
        let secondSep = -1;
        let separators = 0;
        for (let i = 0; i < zoneEnd; i++) {
            const c = g[i];
            sum += c;
            if (labelEnd < 0) {
                if (c === sep) {
                    labelEnd = i;
                    separators = 1;
                } else if (isLabelByte(c)) {
                    hash = (hash * 31 + c) | 0;
                } else {
                    return this.rejectGroup(false);
                }
            } else if (c === sep && sep === HT) {
                if (++separators === 2) secondSep = i;
            } else if (c < SP || c > 0x7e) {
                return this.rejectGroup(false);
            }
        }
        if (labelEnd < 1 || labelEnd > MAX_LABEL || separators > 2) return this.rejectGroup(false);
        if (sep === HT) sum += HT;
        if ((sum & 0x3f) + 0x20 !== checksum) {
            this.counters.badChecksum++;
            // Not interned: a noisy line would otherwise fill the cache with corrupted labels.
            this.invalid.push(g.toString('latin1', 0, labelEnd));
            return;
        }

        const entry = this.label(hash, labelEnd);
        let valueStart = labelEnd + 1;
        let horodate: string | undefined;
        if (secondSep >= 0) {
            if (secondSep - valueStart !== 13 || !isHorodateBytes(g, valueStart)) return this.rejectGroup(false);
            horodate = g.toString('latin1', valueStart, secondSep);
            valueStart = secondSep + 1;
        }
        const value = entry.keepString ? trimmedString(g, valueStart, zoneEnd) : typedValue(g, valueStart, zoneEnd);
        const width = zoneEnd - valueStart;
        this.groups.push(horodate === undefined ? { label: entry.name, value, width } : { label: entry.name, value, width, horodate });
        this.noteValidGroup(sep);
    }

    private noteValidGroup(sep: number): void {
        this.validInChunk = true;
        this.frameSeparator = sep;
        this.counters.validGroups++;
        if (this.setting !== 'auto') return;
        if (sep === this.runSeparator) this.runLength++;
        else {
            this.runSeparator = sep;
            this.runLength = 1;
        }
        if (this.locked === undefined && this.runLength >= LOCK_AFTER_GROUPS) {
            this.locked = sep === HT ? 'standard' : 'historic';
            this.onModeChange?.(this.locked);
        }
    }

    private rejectGroup(oversize: boolean): void {
        if (oversize) this.counters.oversize++;
        else this.counters.badFormat++;
        this.invalid.push(this.guessLabel());
    }

    /** The label of a malformed group when its first bytes still look like one, else `?`. */
    private guessLabel(): string {
        const g = this.group;
        let end = 0;
        while (end < this.groupLength && end < MAX_LABEL && isLabelByte(g[end])) end++;
        return end > 0 ? g.toString('latin1', 0, end) : '?';
    }

    private label(hash: number, length: number): LabelEntry {
        const cached = this.labels.get(hash);
        if (cached !== undefined && cached.name.length === length && sameBytes(cached.name, this.group)) return cached;
        const name = this.group.toString('latin1', 0, length);
        const entry = { name, keepString: STRING_LABELS.has(name) };
        if (cached === undefined && this.labels.size < MAX_INTERNED_LABELS) this.labels.set(hash, entry);
        return entry;
    }
}

function sameBytes(text: string, bytes: Uint8Array): boolean {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== bytes[i]) return false;
    return true;
}

function isHorodateBytes(g: Uint8Array, start: number): boolean {
    const season = g[start];
    if (season !== 0x45 && season !== 0x48 && season !== 0x65 && season !== 0x68 && season !== SP) return false;
    for (let i = start + 1; i < start + 13; i++) if (g[i] < 0x30 || g[i] > 0x39) return false;
    return true;
}

/** Numbers beyond 15 digits would lose precision: such values stay strings. */
const MAX_NUMBER_DIGITS = 15;

function typedValue(g: Buffer, start: number, end: number): string | number {
    const length = end - start;
    if (length > 0 && length <= MAX_NUMBER_DIGITS) {
        let n = 0;
        let i = start;
        for (; i < end; i++) {
            const d = g[i] - 0x30;
            if (d < 0 || d > 9) break;
            n = n * 10 + d;
        }
        if (i === end) return n;
    }
    return trimmedString(g, start, end);
}

function trimmedString(g: Buffer, start: number, end: number): string {
    while (start < end && g[start] === SP) start++;
    while (end > start && g[end - 1] === SP) end--;
    return g.toString('latin1', start, end);
}
