/**
 * Line-protocol encoding: escaping, value types, fields left out, time precision, field types
 * remembered across points, and influxd's own way of splitting lines. What influxd makes of the
 * tricky names is checked against the real server in test/integration/influx-writer.test.ts.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { LineBuffer } from '../../lib/store/line-buffer';
import {
    batchEnds,
    encodePoint,
    FieldTypes,
    PointEncoder,
    splitLines,
    type EncodedPoint,
    type Point,
    timeSpanOfLines,
    whyLeftOut,
} from '../../lib/store/line-protocol';

const T = 1_700_000_000_123;

function line(point: Partial<Point>, precision: 'ns' | 'us' | 'ms' | 's' = 'ms', types?: FieldTypes): string {
    const encoded = encodePoint({ measurement: 'm', fields: { v: 1 }, time: T, ...point }, precision, types);
    assert.ok(encoded.line !== undefined, `not encodable: ${'reason' in encoded ? encoded.reason : ''}`);
    return encoded.line;
}

function refusal(point: Partial<Point>): string {
    const encoded: EncodedPoint = encodePoint({ measurement: 'm', fields: { v: 1 }, time: T, ...point }, 'ms');
    assert.equal(encoded.line, undefined, 'expected the point to be refused');
    return 'reason' in encoded ? encoded.reason : '';
}

test('a plain point: measurement, sorted tags, integer and float fields, time in ms', () => {
    assert.equal(
        line({ measurement: 'power', tags: { tariff: 'HP', meter: '021861348497' }, fields: { papp: 2840, iinst: 12.5 } }),
        'power,meter=021861348497,tariff=HP papp=2840i,iinst=12.5 1700000000123',
    );
    assert.equal(line({ tags: { a: '1', b: '2', c: '3' } }), 'm,a=1,b=2,c=3 v=1i 1700000000123');
});

test('empty tag values are left out (a point without the tag is the same series)', () => {
    assert.equal(line({ tags: { meter: '', tariff: 'HP' } }), 'm,tariff=HP v=1i 1700000000123');
    assert.equal(line({ tags: {} }), 'm v=1i 1700000000123');
});

test('escaping: measurement (comma, space), tag keys and values and field keys (comma, equals, space)', () => {
    assert.equal(line({ measurement: 'a,b c=d' }), 'a\\,b\\ c=d v=1i 1700000000123');
    assert.equal(line({ measurement: ' lead' }), '\\ lead v=1i 1700000000123');
    assert.equal(line({ tags: { 'k,e y=': 'v a,l=ue' } }), 'm,k\\,e\\ y\\==v\\ a\\,l\\=ue v=1i 1700000000123');
    assert.equal(line({ fields: { 'f,i e=ld': 1 } }), 'm f\\,i\\ e\\=ld=1i 1700000000123');
    assert.equal(line({ tags: { t: 'a"b#c\td' } }), 'm,t=a"b#c\td v=1i 1700000000123', 'quotes, # and tabs need no escape in tags');
    assert.equal(line({ tags: { t: 'C:\\temp' } }), 'm,t=C:\\temp v=1i 1700000000123', 'a backslash before an ordinary character stays');
    assert.equal(
        line({ tags: { t: 'a\\,b' } }),
        'm,t=a\\\\,b v=1i 1700000000123',
        'influxd reads \\\\, in a tag as \\ then an escaped comma',
    );
    assert.equal(line({ measurement: 'énergie', tags: { compteur: 'Linky ⚡' } }), 'énergie,compteur=Linky\\ ⚡ v=1i 1700000000123');
});

test('string fields: quotes and backslashes escaped, newlines kept as they are', () => {
    assert.equal(line({ fields: { s: 'say "hi" \\o/' } }), 'm s="say \\"hi\\" \\\\o/" 1700000000123');
    assert.equal(line({ fields: { s: 'two\nlines' } }), 'm s="two\nlines" 1700000000123');
    assert.equal(line({ fields: { s: '' } }), 'm s="" 1700000000123');
});

test('value types: integers with i, floats, booleans, strings; -0 and int64 limits', () => {
    assert.equal(
        line({ fields: { i: 42, n: -7, z: -0, f: 0.1, e: 1e-7, b: true, c: false, s: 'x' } }),
        'm i=42i,n=-7i,z=0i,f=0.1,e=1e-7,b=true,c=false,s="x" 1700000000123',
    );
    assert.equal(line({ fields: { big: 2 ** 62 } }), 'm big=4611686018427387904i 1700000000123');
    assert.equal(line({ fields: { min: -(2 ** 63) } }), 'm min=-9223372036854775808i 1700000000123');
    assert.equal(line({ fields: { over: 2 ** 63 } }), 'm over=9223372036854776000 1700000000123', 'beyond int64: a float');
    assert.equal(line({ fields: { huge: 1e21 } }), 'm huge=1e+21 1700000000123', 'influxd reads exponents');
});

test('values InfluxDB cannot store are left out and named', () => {
    const encoded = encodePoint(
        {
            measurement: 'm',
            fields: {
                ok: 1,
                nan: NaN,
                inf: Infinity,
                ninf: -Infinity,
                nil: null,
                undef: undefined,
                obj: { a: 1 },
                arr: [1],
                fn: () => 1,
                big: 10n,
                time: 5,
            },
            time: T,
        },
        'ms',
    );
    assert.equal(encoded.line, 'm ok=1i 1700000000123');
    assert.deepEqual(encoded.dropped, ['nan', 'inf', 'ninf', 'nil', 'undef', 'obj', 'arr', 'fn', 'big', 'time']);
});

test('field keys InfluxDB cannot take are left out: empty, "time", a backslash it would read as an escape, a newline', () => {
    const encoded = encodePoint(
        { measurement: 'm', fields: { '': 1, time: 2, 'a\\': 3, 'a\\,b': 4, 'a\\"b': 5, 'new\nline': 6, 'a\\b': 7 }, time: T },
        'ms',
    );
    assert.equal(encoded.line, 'm a\\b=7i 1700000000123');
    assert.deepEqual(encoded.dropped, ['', 'time', 'a\\', 'a\\,b', 'a\\"b', 'new\nline']);
});

test('a point without a storable field is not encodable, and says why', () => {
    const encoded = encodePoint({ measurement: 'm', fields: { a: NaN, b: null }, time: T }, 'ms');
    assert.deepEqual(encoded, { line: undefined, dropped: ['a', 'b'], reason: 'no field InfluxDB can store' });
    assert.equal(refusal({ fields: {} }), 'no field InfluxDB can store');
});

test('names InfluxDB would store differently or not at all are refused with a reason', () => {
    assert.match(refusal({ measurement: '' }), /empty measurement/);
    assert.match(refusal({ measurement: '#power' }), /comment line/);
    assert.match(refusal({ measurement: 'a\nb' }), /newline/);
    assert.match(refusal({ measurement: 'a\\' }), /backslash/);
    assert.match(refusal({ measurement: 'a\\,b' }), /backslash/);
    assert.match(refusal({ measurement: 'a\\"b' }), /backslash/);
    assert.match(refusal({ tags: { time: 'x' } }), /reserved/);
    assert.match(refusal({ tags: { '': 'x' } }), /empty tag key/);
    assert.match(refusal({ tags: { t: 'ends\\' } }), /ends with a backslash/);
    assert.match(refusal({ tags: { 't\\': 'x' } }), /ends with a backslash/);
    assert.match(refusal({ tags: { t: 'a\nb' } }), /newline/);
    assert.match(refusal({ time: NaN }), /not a date/);
    assert.match(refusal({ time: 9.3e12 }), /not a date/);
});

test('precision: ns and us exact, ms and s floored', () => {
    const at = (time: number, precision: 'ns' | 'us' | 'ms' | 's') => line({ time }, precision).split(' ')[2];
    assert.equal(at(T, 'ns'), '1700000000123000000');
    assert.equal(at(T, 'us'), '1700000000123000');
    assert.equal(at(T, 'ms'), '1700000000123');
    assert.equal(at(T, 's'), '1700000000');
    assert.equal(at(T + 0.5, 'ns'), '1700000000123500000', 'half a millisecond, exactly');
    assert.equal(at(T + 0.25, 'us'), '1700000000123250');
    assert.equal(at(T + 0.9, 'ms'), '1700000000123', 'floored: the reading stays in its millisecond');
    assert.equal(at(1_700_000_000_999, 's'), '1700000000', 'floored: 23:59:59.999 stays in its day');
    assert.equal(at(0, 'ns'), '0');
    assert.equal(at(0.000001, 'ns'), '1');
    assert.equal(at(-1500, 'ns'), '-1500000000', 'before 1970');
    assert.equal(at(-1500.5, 'us'), '-1500500');
    assert.equal(at(-1500, 's'), '-2', 'floored towards the past');
    assert.equal(at(9_223_372_036_854, 'ns'), '9223372036854000000', 'the last millisecond InfluxDB can store');
});

test('FieldTypes: an integral value goes into a float field as a float (2 after 2.5)', () => {
    const types = new FieldTypes();
    assert.equal(line({ fields: { v: 2.5 } }, 'ms', types), 'm v=2.5 1700000000123');
    assert.equal(line({ fields: { v: 2 } }, 'ms', types), 'm v=2 1700000000123');
    assert.equal(types.get('m', 'v'), 'float');
    assert.equal(line({ measurement: 'other', fields: { v: 2 } }, 'ms', types), 'other v=2i 1700000000123', 'per measurement');
});

test('FieldTypes: the first type wins; values that would conflict are left out, not sent', () => {
    const types = new FieldTypes();
    assert.equal(line({ fields: { n: 3, s: 'a', b: true } }, 'ms', types), 'm n=3i,s="a",b=true 1700000000123');
    const encoded = encodePoint({ measurement: 'm', fields: { n: 3.5, s: 4, b: 'yes', ok: 1 }, time: T }, 'ms', types);
    assert.equal(encoded.line, 'm ok=1i 1700000000123');
    assert.deepEqual(encoded.dropped, ['n', 's', 'b']);
    assert.equal(types.get('m', 'n'), 'integer');
});

test('numbers "float": a forecast whose first value is whole stays a float field, so 1234.5 after 1234 is kept', () => {
    const types = new FieldTypes();
    const first = encodePoint({ measurement: 'forecast', fields: { prediction: 1234 }, time: T }, 'ms', types, 'float');
    assert.equal(first.line, 'forecast prediction=1234 1700000000123');
    const next = encodePoint({ measurement: 'forecast', fields: { prediction: 1234.5 }, time: T }, 'ms', types, 'float');
    assert.equal(next.line, 'forecast prediction=1234.5 1700000000123');
    assert.deepEqual(next.dropped, []);
    // With 'auto' the same sequence loses the fractional value: the case the setting exists for.
    const autoTypes = new FieldTypes();
    encodePoint({ measurement: 'forecast', fields: { prediction: 1234 }, time: T }, 'ms', autoTypes);
    assert.deepEqual(encodePoint({ measurement: 'forecast', fields: { prediction: 1234.5, v: 1 }, time: T }, 'ms', autoTypes).dropped, [
        'prediction',
    ]);
});

test('numbers "float": a field the server holds as integer still takes whole numbers as integers', () => {
    const types = new FieldTypes();
    types.seed([{ name: 'power', values: [['PAPP', 'integer']] }]);
    assert.equal(
        encodePoint({ measurement: 'power', fields: { PAPP: 2840 }, time: T }, 'ms', types, 'float').line,
        'power PAPP=2840i 1700000000123',
    );
});

test('numbers "float": 0 then 0.5 both land in one float field, every value exact (the sequence that lost every later value with "auto")', () => {
    const types = new FieldTypes();
    const lines = Array.from({ length: 3000 }, (_, i) =>
        encodePoint({ measurement: 'm', fields: { seq: i, v: i * 0.5 }, time: T + i }, 'ms', types, 'float'),
    );
    assert.ok(lines.every((encoded) => encoded.dropped.length === 0));
    assert.deepEqual(
        lines.slice(0, 3).map((encoded) => encoded.line),
        ['m seq=0,v=0 1700000000123', 'm seq=1,v=0.5 1700000000124', 'm seq=2,v=1 1700000000125'],
    );
    assert.ok(lines.every(({ line }, i) => line === `m seq=${i},v=${i * 0.5} ${T + i}`));
    assert.equal(types.get('m', 'v'), 'float');
    assert.equal(
        encodePoint(
            { measurement: 'm', fields: { big: 2 ** 53, over: 2 ** 60, neg: -(2 ** 40), z: -0 }, time: T },
            'ms',
            undefined,
            'float',
        ).line,
        'm big=9007199254740992,over=1152921504606847000,neg=-1099511627776,z=0 1700000000123',
        'whole floats as their digits (past 2^53 the shortest that reads back the same)',
    );
});

test('numbers "float" with integer fields: their whole numbers are integers, in every measurement; a fractional value of one is a float, and lost once the field is an integer', () => {
    const types = new FieldTypes();
    const encoder = (point: Point) => encodePoint(point, 'ms', types, 'float', ['BASE', 'HCHC']);
    assert.equal(
        encoder({ measurement: 'teleinfo', fields: { BASE: 12345678, PAPP: 1200, HCHC: 5 }, time: T }).line,
        'teleinfo BASE=12345678i,PAPP=1200,HCHC=5i 1700000000123',
    );
    assert.equal(encoder({ measurement: 'other', fields: { BASE: 1 }, time: T }).line, 'other BASE=1i 1700000000123');
    assert.equal(
        encoder({ measurement: 'fresh', fields: { HCHC: 0.5 }, time: T }).line,
        'fresh HCHC=0.5 1700000000123',
        'not an integer: a float, as "auto" would',
    );
    const lost = encoder({ measurement: 'teleinfo', fields: { BASE: 2.5, PAPP: 1300 }, time: T });
    assert.equal(lost.line, 'teleinfo PAPP=1300 1700000000123');
    assert.deepEqual(lost.dropped, ['BASE']);
    assert.deepEqual(whyLeftOut({ measurement: 'teleinfo', fields: { BASE: 2.5 }, time: T }, 'BASE', types), {
        reason: 'type',
        held: 'integer',
    });
});

test('whyLeftOut names why each field was left out; only another type than InfluxDB holds is a lost value', () => {
    const types = new FieldTypes();
    types.seed([
        {
            name: 'm',
            values: [
                ['n', 'float'],
                ['s', 'string'],
                ['i', 'integer'],
                ['b', 'boolean'],
            ],
        },
    ]);
    const point: Point = {
        measurement: 'm',
        fields: {
            'a\\': 1,
            time: 1,
            nil: null,
            undef: undefined,
            nan: NaN,
            inf: -Infinity,
            obj: { a: 1 },
            arr: [1],
            fn: () => 1,
            big: 10n,
            n: 'text',
            s: 4,
            i: 2.5,
            b: 1,
        },
        time: T,
    };
    const encoded = encodePoint(point, 'ms', types, 'float');
    assert.equal(encoded.line, undefined);
    assert.deepEqual(Object.fromEntries(encoded.dropped.map((field) => [field, whyLeftOut(point, field, types)])), {
        'a\\': { reason: 'name' },
        time: { reason: 'name' },
        nil: { reason: 'null' },
        undef: { reason: 'null' },
        nan: { reason: 'not finite', value: NaN },
        inf: { reason: 'not finite', value: -Infinity },
        obj: { reason: 'nested' },
        arr: { reason: 'nested' },
        fn: { reason: 'unsupported', type: 'function' },
        big: { reason: 'unsupported', type: 'bigint' },
        n: { reason: 'type', held: 'float' },
        s: { reason: 'type', held: 'string' },
        i: { reason: 'type', held: 'integer' },
        b: { reason: 'type', held: 'boolean' },
    });
});

test('FieldTypes: seeded from SHOW FIELD KEYS, and corrected from a field type conflict message', () => {
    const types = new FieldTypes();
    line({ measurement: 'power', fields: { papp: 1 } }, 'ms', types);
    types.seed([
        {
            name: 'power',
            values: [
                ['papp', 'float'],
                ['iinst', 'integer'],
                ['papp', 'integer'],
            ],
        },
        { name: 'meter', values: [['state', 'string']] },
        { name: 'empty' },
    ]);
    assert.equal(types.get('power', 'papp'), 'float', 'SHOW FIELD KEYS wins over what was guessed; a repeated row does not');
    assert.equal(line({ measurement: 'power', fields: { papp: 3000, iinst: 12 } }, 'ms', types), 'power papp=3000,iinst=12i 1700000000123');
    assert.equal(types.get('meter', 'state'), 'string');

    const message =
        'partial write: field type conflict: input field "iinst" on measurement "power" is type integer, already exists as type float dropped=1';
    assert.equal(types.learnFromConflict(message), true);
    assert.equal(types.get('power', 'iinst'), 'float');
    assert.equal(types.learnFromConflict("unable to parse 'x': missing fields"), false);
});

test('splitLines splits like influxd: not inside quoted strings, not on escaped characters, skipping empty lines', () => {
    const lines = ['m s="two\nlines" 1', 'm,t=a\\ b s="quote \\" and\nnewline" 2', 'm v=1i 3', 'm s="\\\\" 4'];
    assert.deepEqual(splitLines(lines.join('\n')), lines);
    assert.deepEqual(splitLines('a v=1i 1\n\nb v=2i 2\n'), ['a v=1i 1', 'b v=2i 2']);
    assert.deepEqual(splitLines(''), []);
});

test('one PointEncoder reuses the series key of a frozen tag set, per measurement; unfrozen tags are encoded afresh', () => {
    const encoder = new PointEncoder('ms');
    const lines = new LineBuffer(16);
    const encode = (point: Point): string | undefined => {
        const reason = encoder.encode(lines, point);
        if (reason !== undefined) return reason;
        lines.endLine();
        return undefined;
    };
    const tags = Object.freeze({ meter: '0218 6134', phase: 'L1' });
    const mutable: Record<string, string> = { meter: 'a' };
    assert.equal(encode({ measurement: 'm', tags, fields: { v: 1 }, time: T }), undefined);
    assert.equal(encode({ measurement: 'm', tags, fields: { v: 2 }, time: T }), undefined);
    assert.equal(encode({ measurement: 'other', tags, fields: { v: 3 }, time: T }), undefined);
    assert.equal(encode({ measurement: 'm', tags: mutable, fields: { v: 4 }, time: T }), undefined);
    mutable.meter = 'b';
    assert.equal(encode({ measurement: 'm', tags: mutable, fields: { v: 5 }, time: T }), undefined);
    assert.match(
        encode({ measurement: '#m', tags, fields: { v: 6 }, time: T })!,
        /starts with #/,
        'a refused name is never served from the cache',
    );
    assert.equal(encode({ measurement: 'm', fields: { v: 7 }, time: T }), undefined);
    assert.equal(encode({ measurement: 'm', fields: { v: 8 }, time: T }), undefined);
    assert.equal(
        lines.take().bytes.toString(),
        [
            'm,meter=0218\\ 6134,phase=L1 v=1i 1700000000123',
            'm,meter=0218\\ 6134,phase=L1 v=2i 1700000000123',
            'other,meter=0218\\ 6134,phase=L1 v=3i 1700000000123',
            'm,meter=a v=4i 1700000000123',
            'm,meter=b v=5i 1700000000123',
            'm v=7i 1700000000123',
            'm v=8i 1700000000123',
        ].join('\n'),
    );
});

test("PointEncoder: a refused point leaves no byte in the batch, and dropped names only the last point's fields", () => {
    const encoder = new PointEncoder('ms');
    const lines = new LineBuffer(8);
    assert.equal(encoder.encode(lines, { measurement: 'm', fields: { a: 1, bad: NaN, b: 'x' }, time: T }), undefined);
    assert.deepEqual(encoder.dropped, ['bad']);
    lines.endLine();
    assert.equal(
        encoder.encode(lines, { measurement: 'm', tags: { meter: 'l1' }, fields: { gone: null, nested: {} }, time: T }),
        'no field InfluxDB can store',
    );
    assert.deepEqual(encoder.dropped, ['gone', 'nested']);
    assert.match(encoder.encode(lines, { measurement: 'm', fields: { a: 1 }, time: 1e20 })!, /not a date/);
    assert.deepEqual(encoder.dropped, []);
    assert.equal(encoder.encode(lines, { measurement: 'm', fields: { bad: Infinity, a: 2 }, time: T + 1 }), undefined);
    lines.endLine();
    assert.equal(lines.lines, 2);
    assert.equal(lines.take().bytes.toString(), 'm a=1i,b="x" 1700000000123\nm a=2i 1700000000124');
});

test("a batch of 2,000 points in one LineBuffer holds each point's line as encoded alone, for every kind of value and precision", () => {
    const points: Point[] = [];
    for (let i = 0; i < 2000; i++) {
        points.push({
            measurement: i % 3 === 0 ? 'énergie' : 'power',
            tags: i % 5 === 0 ? undefined : { meter: `m${i % 7}`, site: 'Saint-Étienne' },
            fields: {
                index: 2 ** 33 + i * 1_000_003,
                papp: i % 9000,
                neg: -i * 37,
                ratio: i / 7,
                on: i % 2 === 0,
                label: i % 11 === 0 ? 'a "b" \\ c' : 'HP',
            },
            time: T + i * 1.25 - 500_000,
        });
    }
    for (const precision of ['ns', 'us', 'ms', 's'] as const) {
        const encoder = new PointEncoder(precision, new FieldTypes());
        const lines = new LineBuffer(64);
        const types = new FieldTypes();
        const expected: string[] = [];
        for (const point of points) {
            assert.equal(encoder.encode(lines, point), undefined);
            lines.endLine();
            expected.push(encodePoint(point, precision, types).line!);
        }
        const taken = lines.take();
        assert.equal(taken.lines, points.length);
        assert.equal(taken.bytes.toString('utf8'), expected.join('\n'), precision);
    }
});

test('timeSpanOfLines: the earliest and latest time of encoded lines, in ms, whatever the precision', () => {
    assert.deepEqual(timeSpanOfLines('m v=1i 1700000000200\nm v=2i 1700000000100\nm s="a b" 1700000000300', 'ms'), {
        from: 1700000000100,
        to: 1700000000300,
    });
    assert.deepEqual(timeSpanOfLines('m v=1i 1700000000', 's'), { from: 1700000000000, to: 1700000000000 });
    assert.equal(timeSpanOfLines('', 'ms'), undefined);
});

test('batchEnds: the first and last lines of a batch, one line being both', () => {
    assert.deepEqual(batchEnds(Buffer.from('m v=1 1\nm v=2 2\nm v=3 3')), { first: 'm v=1 1', last: 'm v=3 3' });
    assert.deepEqual(batchEnds(Buffer.from('m s="é" 1')), { first: 'm s="é" 1', last: 'm s="é" 1' });
});
