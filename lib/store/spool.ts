/**
 * An on-disk FIFO of line-protocol batches, for the points InfluxDB could not take yet.
 *
 * Layout of the directory:
 *   000000000001.seg, 000000000002.seg, …  append-only segments of records
 *                                          [payload bytes u32][points u32][crc32 u32][payload]
 *   cursor.json                            {"segment": n, "offset": bytes}: the oldest unacknowledged
 *                                          record, replaced atomically (write then rename)
 *
 * Appends are synchronous writes of whole batches (thousands of points each, so a handful per
 * second): once `append` returns, a Node-RED crash or kill cannot lose the batch, and an fdatasync
 * follows in the background for power cuts. A crash mid-append leaves a torn last record, which the
 * next open detects (length or checksum) and truncates. A segment is deleted once fully read.
 *
 * The cursor is not synced to disk: after a power cut it may point at a batch already written, which
 * is then written again. InfluxDB keeps one point per series and timestamp, so a replayed point
 * overwrites itself and nothing is counted twice.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

export interface SpoolBatch {
    /** Line protocol (UTF-8), lines separated by `\n`. */
    readonly bytes: Buffer;
    readonly points: number;
}

export interface SpoolOptions {
    /** Bound on the bytes held (records with their headers); default 200 MB. */
    maxBytes?: number;
    /** A new segment file is started when a record would take the current one past this; default 4 MiB. */
    segmentBytes?: number;
}

/** Thrown by `append` when the batch would take the spool past `maxBytes`: nothing is dropped to make room. */
export class SpoolFullError extends Error {
    override readonly name = 'SpoolFullError';

    constructor(
        message: string,
        readonly maxBytes: number,
    ) {
        super(message);
    }
}

/** A record whose checksum does not match: the disk changed it after it was written. */
export class SpoolCorruptError extends Error {
    override readonly name = 'SpoolCorruptError';

    constructor(
        message: string,
        readonly points: number,
    ) {
        super(message);
    }
}

const HEADER_BYTES = 12;
const CURSOR_FILE = 'cursor.json';
const SEGMENT_NAME = /^(\d{12})\.seg$/;
const DEFAULT_MAX_BYTES = 200 * 1000 * 1000;
const DEFAULT_SEGMENT_BYTES = 4 * 1024 * 1024;

/** Two Spools appending to one directory would interleave records; a redeploy must close the old one first. */
const openDirs = new Set<string>();

interface Segment {
    seq: number;
    /** Bytes of complete records in the file. */
    length: number;
}

interface Head {
    batch: SpoolBatch;
    recordBytes: number;
    corrupt?: SpoolCorruptError;
}

export class Spool {
    readonly dir: string;
    readonly maxBytes: number;
    /** Bytes of torn or invalid records cut off the segments when this Spool opened them. */
    readonly truncatedBytes: number = 0;
    private readonly segmentBytes: number;
    /** Oldest first; reading happens in the first, appending in the last. */
    private readonly segments: Segment[] = [];
    private readOffset = 0;
    private nextSeq = 1;
    private readFd: number | undefined;
    private writeFd: number | undefined;
    private head: Head | undefined;
    private heldBytes = 0;
    private heldBatches = 0;
    private heldPoints = 0;
    /** fds waiting for a last fdatasync before they are closed. */
    private readonly retiredFds: number[] = [];
    private syncWanted = false;
    private dirSyncWanted = false;
    private syncing: Promise<void> | undefined;
    private syncError: Error | undefined;
    private closed = false;

    constructor(dir: string, options: SpoolOptions = {}) {
        this.dir = path.resolve(dir);
        this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
        this.segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
        if (openDirs.has(this.dir)) throw new Error(`the spool ${this.dir} is already open in this process: close it first`);
        fs.mkdirSync(this.dir, { recursive: true });

        const cursor = this.readCursor();
        const seqs = fs
            .readdirSync(this.dir)
            .flatMap((name) => {
                const match = SEGMENT_NAME.exec(name);
                return match === null ? [] : [Number(match[1])];
            })
            .sort((a, b) => a - b);
        this.nextSeq = Math.max(cursor.segment, ...seqs) + 1;
        let truncated = 0;
        for (const seq of seqs) {
            // Fully read before the last run stopped (the cursor moved on but the delete did not happen).
            if (seq < cursor.segment) {
                fs.unlinkSync(this.segmentPath(seq));
                continue;
            }
            const data = fs.readFileSync(this.segmentPath(seq));
            const start = this.segments.length === 0 && seq === cursor.segment ? Math.min(cursor.offset, data.length) : 0;
            if (this.segments.length === 0) this.readOffset = start;
            // Only the last segment can end in a torn append: check its payloads, and the others' structure.
            const walk = walkRecords(data, start, seq === seqs[seqs.length - 1]);
            if (walk.end < data.length) {
                truncated += data.length - walk.end;
                fs.truncateSync(this.segmentPath(seq), walk.end);
            }
            this.segments.push({ seq, length: walk.end });
            this.heldBytes += walk.end - start;
            this.heldBatches += walk.batches;
            this.heldPoints += walk.points;
        }
        this.truncatedBytes = truncated;
        this.dropReadSegments();
        this.writeCursor();
        openDirs.add(this.dir);
    }

    /** Bytes held (records and headers), against `maxBytes`. */
    get size(): number {
        return this.heldBytes;
    }

    get batches(): number {
        return this.heldBatches;
    }

    get points(): number {
        return this.heldPoints;
    }

    /** Whether a batch of `payloadBytes` bytes of line protocol would fit. */
    fits(payloadBytes: number): boolean {
        return this.heldBytes + HEADER_BYTES + payloadBytes <= this.maxBytes;
    }

    /** Writes the batch at the end of the spool; it is on disk (page cache) when this returns. */
    append(batch: SpoolBatch): void {
        this.assertOpen();
        if (!(batch.points >= 1) || batch.bytes.length === 0) throw new Error('a spool batch holds at least one point');
        const payloadBytes = batch.bytes.length;
        const recordBytes = HEADER_BYTES + payloadBytes;
        if (this.heldBytes + recordBytes > this.maxBytes) {
            throw new SpoolFullError(
                `spool full: ${this.heldPoints} points (${this.heldBytes} bytes) wait for InfluxDB; ${batch.points} more (${recordBytes} bytes) would pass the ${this.maxBytes}-byte bound`,
                this.maxBytes,
            );
        }
        const record = Buffer.allocUnsafe(recordBytes);
        batch.bytes.copy(record, HEADER_BYTES);
        record.writeUInt32LE(payloadBytes, 0);
        record.writeUInt32LE(batch.points, 4);
        record.writeUInt32LE(crc32(record, HEADER_BYTES, recordBytes), 8);

        const segment = this.segmentWithRoomFor(recordBytes);
        const fd = this.writeFd!;
        try {
            let written = 0;
            while (written < recordBytes) written += fs.writeSync(fd, record, written, recordBytes - written, segment.length + written);
        } catch (err) {
            // ENOSPC and the like: leave no partial record behind.
            fs.ftruncateSync(fd, segment.length);
            throw err;
        }
        segment.length += recordBytes;
        this.heldBytes += recordBytes;
        this.heldBatches++;
        this.heldPoints += batch.points;
        this.requestSync();
    }

    /**
     * The oldest unacknowledged batch, or undefined when the spool is empty. Throws a
     * SpoolCorruptError for a record the disk altered; `ack()` then skips it.
     */
    peek(): SpoolBatch | undefined {
        this.assertOpen();
        const head = this.loadHead();
        if (head?.corrupt !== undefined) throw head.corrupt;
        return head?.batch;
    }

    /** Removes the oldest batch, once it is safely in InfluxDB (or known unwritable). */
    ack(): void {
        this.assertOpen();
        const head = this.loadHead();
        if (head === undefined) throw new Error('ack() on an empty spool');
        this.head = undefined;
        this.readOffset += head.recordBytes;
        this.heldBytes -= head.recordBytes;
        this.heldBatches--;
        this.heldPoints -= head.batch.points;
        this.dropReadSegments();
        this.writeCursor();
    }

    /** Resolves once everything appended so far is synced to the disk. */
    async flush(): Promise<void> {
        while (this.syncing !== undefined) await this.syncing;
        const error = this.syncError;
        this.syncError = undefined;
        if (error !== undefined) throw error;
    }

    /** Syncs and closes the files; the directory can then be opened again. */
    async close(): Promise<void> {
        if (this.closed) return;
        this.closed = true;
        try {
            await this.flush();
        } finally {
            for (const fd of [this.readFd, this.writeFd, ...this.retiredFds.splice(0)]) if (fd !== undefined) fs.closeSync(fd);
            this.readFd = undefined;
            this.writeFd = undefined;
            openDirs.delete(this.dir);
        }
    }

    private assertOpen(): void {
        if (this.closed) throw new Error(`the spool ${this.dir} is closed`);
    }

    private segmentPath(seq: number): string {
        return path.join(this.dir, `${String(seq).padStart(12, '0')}.seg`);
    }

    private segmentWithRoomFor(recordBytes: number): Segment {
        let last: Segment | undefined = this.segments.at(-1);
        if (last !== undefined && last.length > 0 && last.length + recordBytes > this.segmentBytes) {
            this.retire(this.writeFd);
            this.writeFd = undefined;
            last = undefined;
        }
        if (last === undefined) {
            last = { seq: this.nextSeq++, length: 0 };
            this.writeFd = fs.openSync(this.segmentPath(last.seq), 'wx');
            this.segments.push(last);
            this.dirSyncWanted = true;
        }
        this.writeFd ??= fs.openSync(this.segmentPath(last.seq), 'r+');
        return last;
    }

    private loadHead(): Head | undefined {
        if (this.head !== undefined || this.heldBatches === 0) return this.head;
        const segment = this.segments[0];
        this.readFd ??= fs.openSync(this.segmentPath(segment.seq), 'r');
        const header = readExactly(this.readFd, HEADER_BYTES, this.readOffset);
        const payloadBytes = header.readUInt32LE(0);
        const points = header.readUInt32LE(4);
        const payload = readExactly(this.readFd, payloadBytes, this.readOffset + HEADER_BYTES);
        const head: Head = { batch: { bytes: payload, points }, recordBytes: HEADER_BYTES + payloadBytes };
        if (crc32(payload, 0, payloadBytes) !== header.readUInt32LE(8)) {
            head.corrupt = new SpoolCorruptError(
                `spool record at ${this.segmentPath(segment.seq)}:${this.readOffset} is corrupt (checksum mismatch): its ${points} points are lost`,
                points,
            );
        }
        this.head = head;
        return head;
    }

    /** Deletes the segments read to their end; the one being appended to only once the spool is empty. */
    private dropReadSegments(): void {
        while (
            this.segments.length > 0 &&
            this.readOffset >= this.segments[0].length &&
            (this.segments.length > 1 || this.heldBatches === 0)
        ) {
            const first = this.segments.shift()!;
            if (this.readFd !== undefined) fs.closeSync(this.readFd);
            this.readFd = undefined;
            if (this.segments.length === 0) {
                this.retire(this.writeFd);
                this.writeFd = undefined;
            }
            fs.unlinkSync(this.segmentPath(first.seq));
            this.readOffset = 0;
        }
    }

    private readCursor(): { segment: number; offset: number } {
        try {
            const cursor = JSON.parse(fs.readFileSync(path.join(this.dir, CURSOR_FILE), 'utf8')) as { segment?: unknown; offset?: unknown };
            if (Number.isSafeInteger(cursor.segment) && Number.isSafeInteger(cursor.offset))
                return cursor as { segment: number; offset: number };
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && !(err instanceof SyntaxError)) throw err;
        }
        // No cursor yet, or unreadable: start from the oldest segment (a replay at worst rewrites points).
        return { segment: 0, offset: 0 };
    }

    private writeCursor(): void {
        const cursor = { segment: this.segments[0]?.seq ?? this.nextSeq, offset: this.readOffset };
        const file = path.join(this.dir, CURSOR_FILE);
        fs.writeFileSync(`${file}.tmp`, JSON.stringify(cursor));
        fs.renameSync(`${file}.tmp`, file);
    }

    private retire(fd: number | undefined): void {
        if (fd === undefined) return;
        this.retiredFds.push(fd);
        this.requestSync();
    }

    private requestSync(): void {
        this.syncWanted = true;
        this.syncing ??= this.syncInBackground().finally(() => {
            this.syncing = undefined;
        });
    }

    /** fdatasync off the event loop, coalesced: appends made during a sync share the next one. */
    private async syncInBackground(): Promise<void> {
        while (this.syncWanted) {
            this.syncWanted = false;
            const retired = this.retiredFds.splice(0);
            const fds = this.writeFd === undefined ? retired : [...retired, this.writeFd];
            const syncDir = this.dirSyncWanted;
            this.dirSyncWanted = false;
            try {
                await Promise.all(fds.map(fdatasync));
                if (syncDir) await syncDirectory(this.dir);
            } catch (err) {
                this.syncError = err as Error;
            } finally {
                for (const fd of retired) fs.closeSync(fd);
            }
        }
    }
}

function fdatasync(fd: number): Promise<void> {
    return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err === null ? resolve() : reject(err))));
}

/** A new segment's name must reach the disk too, or a power cut could lose the whole file. */
async function syncDirectory(dir: string): Promise<void> {
    const handle = await fs.promises.open(dir, 'r');
    try {
        await handle.sync();
    } finally {
        await handle.close();
    }
}

function readExactly(fd: number, length: number, position: number): Buffer {
    const buffer = Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) {
        const n = fs.readSync(fd, buffer, read, length - read, position + read);
        if (n === 0) throw new Error(`spool segment ended ${length - read} bytes early at offset ${position + read}`);
        read += n;
    }
    return buffer;
}

/** Complete, valid records from `start`; stops at the first torn or invalid one. */
function walkRecords(data: Buffer, start: number, checkPayloads: boolean): { end: number; batches: number; points: number } {
    let offset = start;
    let batches = 0;
    let points = 0;
    while (offset + HEADER_BYTES <= data.length) {
        const payloadBytes = data.readUInt32LE(offset);
        const recordPoints = data.readUInt32LE(offset + 4);
        const end = offset + HEADER_BYTES + payloadBytes;
        // Zero-filled blocks (a power cut after the file grew) read as empty records: refuse them.
        if (payloadBytes === 0 || recordPoints === 0 || end > data.length) break;
        if (checkPayloads && crc32(data, offset + HEADER_BYTES, end) !== data.readUInt32LE(offset + 8)) break;
        batches++;
        points += recordPoints;
        offset = end;
    }
    return { end: offset, batches, points };
}

/** CRC-32 (IEEE) of bytes[start, end): zlib's, some ten times faster than a table in JS (it runs twice per spooled batch). */
function crc32(bytes: Uint8Array, start: number, end: number): number {
    return zlib.crc32(bytes.subarray(start, end));
}
