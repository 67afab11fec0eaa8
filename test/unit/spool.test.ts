/**
 * The on-disk spool: FIFO order, continuity across restarts, torn records cut at open, the size
 * bound, segment rotation and deletion.
 */
import { afterEach, beforeEach, test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Spool, SpoolCorruptError, SpoolFullError, type SpoolBatch } from '../../lib/store/spool';

let dir: string;
const open: Spool[] = [];

function spoolAt(options?: ConstructorParameters<typeof Spool>[1]): Spool {
    const spool = new Spool(dir, options);
    open.push(spool);
    return spool;
}

async function reopen(spool: Spool, options?: ConstructorParameters<typeof Spool>[1]): Promise<Spool> {
    await spool.close();
    return spoolAt(options);
}

function batch(n: number, points = 3): SpoolBatch {
    return {
        bytes: Buffer.from(Array.from({ length: points }, (_, i) => `m,batch=${n} seq=${n * 100 + i}i ${n * 100 + i}`).join('\n')),
        points,
    };
}

function segmentFiles(): string[] {
    return fs
        .readdirSync(dir)
        .filter((name) => name.endsWith('.seg'))
        .sort();
}

/** Reads everything left, acknowledging as it goes. */
function drain(spool: Spool): SpoolBatch[] {
    const batches: SpoolBatch[] = [];
    for (let next = spool.peek(); next !== undefined; next = spool.peek()) {
        batches.push(next);
        spool.ack();
    }
    return batches;
}

beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'spool-test-'));
});

afterEach(async () => {
    for (const spool of open.splice(0)) await spool.close();
    fs.rmSync(dir, { recursive: true, force: true });
});

test('peek gives the oldest batch until it is acked; batches come back in append order', () => {
    const spool = spoolAt();
    assert.equal(spool.peek(), undefined);
    for (let n = 1; n <= 5; n++) spool.append(batch(n));
    assert.equal(spool.batches, 5);
    assert.equal(spool.points, 15);
    assert.deepEqual(spool.peek(), batch(1));
    assert.deepEqual(spool.peek(), batch(1), 'peek does not consume');
    spool.ack();
    assert.deepEqual(spool.peek(), batch(2));
    assert.deepEqual(
        drain(spool),
        [2, 3, 4, 5].map((n) => batch(n)),
    );
    assert.equal(spool.batches, 0);
    assert.equal(spool.points, 0);
    assert.equal(spool.size, 0);
    assert.throws(() => spool.ack(), /empty spool/);
});

test('size counts the bytes held, headers included; UTF-8 text survives byte for byte', () => {
    const spool = spoolAt();
    const text = 'énergie,compteur=Linky\\ ⚡ index=12i 1';
    spool.append({ bytes: Buffer.from(text), points: 1 });
    assert.equal(spool.size, 12 + Buffer.byteLength(text));
    assert.deepEqual(spool.peek(), { bytes: Buffer.from(text), points: 1 });
    assert.equal(spool.peek()!.bytes.toString('utf8'), text);
    assert.throws(() => spool.append({ bytes: Buffer.alloc(0), points: 0 }), /at least one point/);
});

test('a new Spool on the same directory continues where the last one stopped', async () => {
    let spool = spoolAt();
    for (let n = 1; n <= 4; n++) spool.append(batch(n));
    spool.ack();
    spool = await reopen(spool);
    assert.equal(spool.batches, 3);
    assert.equal(spool.points, 9);
    assert.deepEqual(spool.peek(), batch(2));
    spool.ack();
    spool.append(batch(5));
    spool = await reopen(spool);
    assert.deepEqual(
        drain(spool),
        [3, 4, 5].map((n) => batch(n)),
    );
    spool = await reopen(spool);
    assert.equal(spool.batches, 0, 'acks are remembered too');
});

test('two Spools on one directory in one process are refused', () => {
    spoolAt();
    assert.throws(() => new Spool(dir), /already open/);
});

test('a torn last record (crash mid-append) is cut off at open; the records before it are intact', async () => {
    let spool = spoolAt();
    for (let n = 1; n <= 3; n++) spool.append(batch(n));
    await spool.close();
    const [segment] = segmentFiles();
    const file = path.join(dir, segment);
    const complete = fs.statSync(file).size;
    fs.truncateSync(file, complete - 7);

    spool = spoolAt();
    assert.equal(spool.batches, 2);
    assert.equal(spool.truncatedBytes, complete - 7 - (complete - (12 + batch(3).bytes.length)));
    assert.equal(fs.statSync(file).size, complete - 12 - batch(3).bytes.length, 'the file was truncated to its last whole record');
    spool.append(batch(4));
    assert.deepEqual(
        drain(spool),
        [1, 2, 4].map((n) => batch(n)),
    );
});

test('a torn header, zero-filled blocks and a checksum mismatch at the end are cut off too', async () => {
    let spool = spoolAt();
    spool.append(batch(1));
    spool.append(batch(2));
    await spool.close();
    const file = path.join(dir, segmentFiles()[0]);
    const good = fs.statSync(file).size;

    fs.appendFileSync(file, Buffer.from([5, 0, 0]));
    spool = spoolAt();
    assert.equal(spool.batches, 2);
    assert.equal(spool.truncatedBytes, 3);
    await spool.close();

    fs.appendFileSync(file, Buffer.alloc(4096));
    spool = spoolAt();
    assert.equal(spool.batches, 2);
    assert.equal(spool.truncatedBytes, 4096);
    assert.equal(fs.statSync(file).size, good);
    await spool.close();

    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 1] ^= 0xff;
    fs.writeFileSync(file, bytes);
    spool = spoolAt();
    assert.equal(spool.batches, 1, 'the last record had a bad checksum');
    assert.deepEqual(drain(spool), [batch(1)]);
});

test('the size bound: an append past maxBytes throws SpoolFullError and changes nothing', () => {
    const recordBytes = 12 + batch(1).bytes.length;
    const spool = spoolAt({ maxBytes: recordBytes * 3 + 5 });
    for (let n = 1; n <= 3; n++) spool.append(batch(n));
    assert.equal(spool.fits(batch(4).bytes.length), false);
    assert.throws(
        () => spool.append(batch(4)),
        (err: unknown) => err instanceof SpoolFullError && err.maxBytes === recordBytes * 3 + 5 && /spool full/.test(err.message),
    );
    assert.equal(spool.batches, 3);
    assert.equal(spool.size, recordBytes * 3);
    spool.ack();
    spool.append(batch(4));
    assert.deepEqual(
        drain(spool),
        [2, 3, 4].map((n) => batch(n)),
        'nothing dropped, nothing overwritten',
    );
});

test('segments rotate at segmentBytes and are deleted once read; an empty spool leaves no segment', async () => {
    let spool = spoolAt({ segmentBytes: 1024 });
    for (let n = 1; n <= 40; n++) spool.append(batch(n));
    const files = segmentFiles();
    assert.ok(files.length >= 3, `${files.length} segments`);
    for (const file of files) assert.ok(fs.statSync(path.join(dir, file)).size <= 1024);

    for (let n = 1; n <= 20; n++) {
        assert.deepEqual(spool.peek(), batch(n));
        spool.ack();
    }
    const left = segmentFiles();
    assert.ok(left.length < files.length, 'read segments are gone');
    assert.deepEqual(left, files.slice(files.length - left.length), 'the oldest went first');

    spool = await reopen(spool, { segmentBytes: 1024 });
    assert.deepEqual(
        drain(spool).map((b) => b.bytes.toString()),
        Array.from({ length: 20 }, (_, i) => batch(i + 21).bytes.toString()),
    );
    assert.deepEqual(segmentFiles(), []);
    spool.append(batch(41));
    assert.equal(segmentFiles().length, 1, 'a new segment once needed');
    assert.ok(segmentFiles()[0] > files[files.length - 1], 'segment numbers keep increasing');
});

test('a batch larger than a segment gets a segment of its own', () => {
    const spool = spoolAt({ segmentBytes: 64 });
    spool.append(batch(1, 50));
    spool.append(batch(2, 50));
    assert.equal(segmentFiles().length, 2);
    assert.deepEqual(drain(spool), [batch(1, 50), batch(2, 50)]);
});

test('a record the disk altered later is reported once (SpoolCorruptError) and skipped', async () => {
    let spool = spoolAt({ segmentBytes: 256 });
    for (let n = 1; n <= 6; n++) spool.append(batch(n));
    await spool.close();
    // Flip a payload byte of the first record of the first segment (not the last segment: open does not scan it).
    const first = path.join(dir, segmentFiles()[0]);
    const bytes = fs.readFileSync(first);
    bytes[20] ^= 0x01;
    fs.writeFileSync(first, bytes);

    spool = spoolAt({ segmentBytes: 256 });
    assert.equal(spool.batches, 6);
    assert.throws(
        () => spool.peek(),
        (err: unknown) => err instanceof SpoolCorruptError && err.points === 3 && /corrupt/.test(err.message),
    );
    spool.ack();
    assert.deepEqual(
        drain(spool),
        [2, 3, 4, 5, 6].map((n) => batch(n)),
    );
});

test('flush waits for the data to be synced; a closed spool refuses work', async () => {
    const spool = spoolAt();
    spool.append(batch(1));
    await spool.flush();
    await spool.close();
    await spool.close();
    assert.throws(() => spool.append(batch(2)), /closed/);
    assert.throws(() => spool.peek(), /closed/);
});
