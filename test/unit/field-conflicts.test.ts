/**
 * Field type conflicts settled on encoded lines: InfluxDB's message read back, a value rewritten in
 * the held type only when that is exact, a value without an exact equivalent cut out of its line,
 * and lines the conflict is not about left alone. What influxd then makes of the rewritten lines is
 * checked against the real server in test/integration/influx-writer.test.ts.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { fieldTypeConflictOf, retypeLine, valueAs, type FieldTypeConflict } from '../../lib/store/field-conflicts';
import { encodePoint } from '../../lib/store/line-protocol';

const conflict = (
    field: string,
    held: FieldTypeConflict['held'],
    measurement = 'm',
    sent: FieldTypeConflict['sent'] = 'float',
): FieldTypeConflict => ({ measurement, field, sent, held });

test("fieldTypeConflictOf reads InfluxDB 1.x's message, alone or in a partial write; other messages are none", () => {
    assert.deepEqual(
        fieldTypeConflictOf(
            'partial write: field type conflict: input field "v" on measurement "power" is type float, already exists as type integer dropped=3',
        ),
        { field: 'v', measurement: 'power', sent: 'float', held: 'integer' },
    );
    assert.deepEqual(
        fieldTypeConflictOf(
            'field type conflict: input field "PTEC" on measurement "teleinfo" is type integer, already exists as type string',
        ),
        { field: 'PTEC', measurement: 'teleinfo', sent: 'integer', held: 'string' },
    );
    assert.equal(fieldTypeConflictOf('partial write: points beyond retention policy dropped=1'), undefined);
    assert.equal(fieldTypeConflictOf("unable to parse 'm v= 1': missing field value"), undefined);
    assert.equal(fieldTypeConflictOf('input field "v" on measurement "m" is type unsigned, already exists as type integer'), undefined);
});

test('valueAs: a whole float as an integer and an integer as a float, exactly; anything else has no equivalent', () => {
    assert.equal(valueAs('5', 'integer'), '5i');
    assert.equal(valueAs('-0', 'integer'), '0i');
    assert.equal(valueAs('1e+3', 'integer'), '1000i');
    assert.equal(valueAs('9007199254740992', 'integer'), '9007199254740992i');
    assert.equal(valueAs('1152921504606846976', 'integer'), '1152921504606846976i', 'past 2^53 the exact digits of the float');
    assert.equal(valueAs('9223372036854775808', 'integer'), undefined, '2^63 is out of int64');
    assert.equal(valueAs('2.5', 'integer'), undefined, 'never rounded');
    assert.equal(valueAs('"5"', 'integer'), undefined);
    assert.equal(valueAs('true', 'integer'), undefined);
    assert.equal(valueAs('5i', 'integer'), undefined, 'already an integer: nothing to convert');

    assert.equal(valueAs('5i', 'float'), '5');
    assert.equal(valueAs('-123456i', 'float'), '-123456');
    assert.equal(valueAs('9007199254740992i', 'float'), '9007199254740992');
    assert.equal(valueAs('9007199254740993i', 'float'), undefined, '2^53 + 1 has no float');
    assert.equal(valueAs('5', 'float'), undefined);
    assert.equal(valueAs('"x"', 'string'), undefined, 'nothing converts to text or from it');
    assert.equal(valueAs('5i', 'string'), undefined);
    assert.equal(valueAs('t', 'boolean'), undefined);
});

test("retypeLine rewrites the conflicting field's value in the held type, and leaves the rest of the line as it was", () => {
    assert.deepEqual(retypeLine('m,meter=a v=0,w=0.5 1700000000000', conflict('v', 'integer')), {
        kind: 'retyped',
        line: 'm,meter=a v=0i,w=0.5 1700000000000',
    });
    assert.deepEqual(retypeLine('m seq=3i,v=12i 1', conflict('v', 'float', 'm', 'integer')), { kind: 'retyped', line: 'm seq=3i,v=12 1' });
    assert.deepEqual(
        retypeLine('m s="a,b v=1",v=7 1', conflict('v', 'integer')),
        { kind: 'retyped', line: 'm s="a,b v=1",v=7i 1' },
        'inside quotes is no field',
    );
    assert.deepEqual(retypeLine('m s="say \\"v=1\\"",v=7 1', conflict('v', 'integer')), {
        kind: 'retyped',
        line: 'm s="say \\"v=1\\"",v=7i 1',
    });
});

test('retypeLine finds escaped names, as InfluxDB names them without their escapes', () => {
    assert.deepEqual(retypeLine('my\\ power,meter=a\\,b the\\ v\\=alue=2 1', conflict('the v=alue', 'integer', 'my power')), {
        kind: 'retyped',
        line: 'my\\ power,meter=a\\,b the\\ v\\=alue=2i 1',
    });
    assert.deepEqual(retypeLine('a\\,b v=2 1', conflict('v', 'integer', 'a,b')), { kind: 'retyped', line: 'a\\,b v=2i 1' });
    assert.deepEqual(
        retypeLine('m,x=v v=2 1', conflict('v', 'integer', 'm,x=v')),
        { kind: 'unrelated' },
        'a tag is not part of the measurement',
    );
});

test('retypeLine: a value without an exact equivalent is cut out of its line, with its separator; the only field leaves no line', () => {
    assert.deepEqual(retypeLine('m a=1,v="text",b=2 1', conflict('v', 'float', 'm', 'string')), {
        kind: 'inexact',
        value: '"text"',
        rest: 'm a=1,b=2 1',
    });
    assert.deepEqual(retypeLine('m v=2.5,b=2 1', conflict('v', 'integer')), { kind: 'inexact', value: '2.5', rest: 'm b=2 1' });
    assert.deepEqual(retypeLine('m a=1,v=true 1', conflict('v', 'float', 'm', 'boolean')), {
        kind: 'inexact',
        value: 'true',
        rest: 'm a=1 1',
    });
    assert.deepEqual(retypeLine('m,meter=a v=2.5 1', conflict('v', 'integer')), { kind: 'inexact', value: '2.5', rest: undefined });
});

test("retypeLine: a line without the field, of another measurement, or already of the held type is not the conflict's", () => {
    assert.deepEqual(retypeLine('m w=1 1', conflict('v', 'integer')), { kind: 'unrelated' });
    assert.deepEqual(retypeLine('other v=1 1', conflict('v', 'integer')), { kind: 'unrelated' });
    assert.deepEqual(retypeLine('m v=1i 1', conflict('v', 'integer')), { kind: 'unrelated' });
    assert.deepEqual(retypeLine('m vv=1,v2=3 1', conflict('v', 'integer')), { kind: 'unrelated' });
    assert.deepEqual(retypeLine('not a line', conflict('v', 'integer')), { kind: 'unrelated' });
    assert.deepEqual(retypeLine('m', conflict('m', 'integer')), { kind: 'unrelated' });
});

test('retypeLine reads every line the encoder writes: each value of each type, converted where exact', () => {
    const fields = { i: 42, f: 0.5, whole: 3, big: 2 ** 60, s: 'a "b", c=d', b: true, neg: -7 };
    for (const numbers of ['auto', 'float'] as const) {
        const { line } = encodePoint({ measurement: 'm m', tags: { 't,k': 'v v' }, fields, time: 1 }, 'ms', undefined, numbers);
        assert.ok(line !== undefined);
        for (const field of Object.keys(fields)) {
            for (const held of ['integer', 'float', 'string', 'boolean'] as const) {
                const fixed = retypeLine(line, conflict(field, held, 'm m'));
                if (fixed.kind === 'retyped') {
                    assert.equal(
                        Number(fixed.line.match(new RegExp(`${field}=(-?\\d+)i?[ ,]`))![1]),
                        fields[field as keyof typeof fields],
                        `${field} as ${held}`,
                    );
                } else if (fixed.kind === 'inexact') {
                    assert.ok(fixed.rest !== undefined && fixed.rest.endsWith(' 1'), fixed.rest);
                    assert.ok(line.includes(`${field}=${fixed.value}`), `${field}=${fixed.value} in ${line}`);
                    assert.equal(
                        fixed.rest.length,
                        line.length - `,${field}=${fixed.value}`.length,
                        'the field and one comma, nothing else',
                    );
                }
            }
        }
    }
});
