/**
 * MessagePoints: messages → points as the influx-store help documents them — fields (single value
 * or object, arrays of elements), measurement precedence, tags (topic, msg.tags, element tags),
 * time (msg.timestamp, element timestamps, the arrival clock and when it is read), what is invalid
 * and why, and the element count returned.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { MessagePoints, messagePropertyReader, type MessagePointsOptions } from '../../nodes/influx-store/message-points';
import type { Point } from '../../lib/store/line-protocol';
import { util as nodeRedUtil } from '@node-red/util';

/** The clock's first reading; the n-th call returns ARRIVAL + n - 1. */
const ARRIVAL = 1_717_236_000_000;
/** What a reason for a bad time adds after the value. */
const TIME_FORMS = ' (ms since 1970, a Date or ISO-8601 text)';

type Event = { point: Point } | { invalid: string; index: number };

interface Harness {
    points: MessagePoints;
    /** How many times the clock was read so far. */
    clockCalls(): number;
    /** The points read() stored and the failures it returned, in the elements' order, and how many elements there were. */
    read(msg: Record<string, unknown>): { events: Event[]; count: number };
}

function harness(options: Partial<MessagePointsOptions> = {}): Harness {
    let calls = 0;
    const points = new MessagePoints({
        measurement: 'energy',
        topicTag: 'meter',
        readFields: (msg) => msg.payload,
        readTags: (msg) => msg.tags,
        clock: () => ARRIVAL + calls++,
        ...options,
    });
    return {
        points,
        clockCalls: () => calls,
        read(msg) {
            const stored: Point[] = [];
            const unstored = points.read(msg, (point) => {
                stored.push(point);
                return undefined;
            });
            if (unstored === undefined) return { events: stored.map((point) => ({ point })), count: stored.length };
            // Every element is either a failure or, in order, the next point stored.
            const failures = new Map(unstored.failures.map((failure) => [Math.max(failure.index, 0), failure]));
            const events = Array.from({ length: unstored.points }, (_, i): Event => {
                const failure = failures.get(i);
                return failure === undefined ? { point: stored.shift()! } : { invalid: failure.reason, index: failure.index };
            });
            assert.equal(stored.length, 0, 'each element stored or failed, once');
            return { events, count: unstored.points };
        },
    };
}

function point(fields: Record<string, unknown>, time: number, tags?: Record<string, string>, measurement = 'energy'): Event {
    return { point: { measurement, tags, fields, time } };
}

/** The single point a message made; fails when it made anything else. */
function onlyPoint(h: Harness, msg: Record<string, unknown>): Point {
    const { events, count } = h.read(msg);
    assert.equal(count, 1);
    assert.equal(events.length, 1, `one callback expected, got ${JSON.stringify(events)}`);
    const event = events[0];
    assert.ok('point' in event, `a point expected, got ${JSON.stringify(event)}`);
    return event.point;
}

// ── fields ──────────────────────────────────────────────────────────────────────────────────────

test('a number, boolean or string payload becomes the single field `value`', () => {
    const h = harness();
    for (const [i, value] of [1200, 0, -2.5, true, false, 'TH..', ''].entries()) {
        assert.deepEqual(h.read({ payload: value, timestamp: i }), { events: [point({ value }, i)], count: 1 });
    }
});

test("an object payload is the point's fields as given: the same object, not a copy", () => {
    const h = harness();
    const payload = { PAPP: 1200, BASE: 12_345_678, PTEC: 'TH..', nested: { a: 1 }, bad: null };
    const p = onlyPoint(h, { payload, timestamp: 5 });
    assert.equal(p.fields, payload);
    assert.deepEqual(p, { measurement: 'energy', tags: undefined, fields: payload, time: 5 });
});

test('a message without a usable value at the fields property (undefined, null, a function) is invalid at index -1 and counts as one element', () => {
    const h = harness();
    const reason = 'no fields: the message has no value at the fields property';
    for (const msg of [{}, { payload: undefined }, { payload: null }, { payload: () => 1 }, { payload: null, timestamp: 'soon' }]) {
        assert.deepEqual(h.read(msg), { events: [{ invalid: reason, index: -1 }], count: 1 });
    }
});

test('fields and tags are read through the configured readers, not from msg.payload and msg.tags', () => {
    const h = harness({ readFields: (msg) => msg.forecast, readTags: (msg) => msg.labels });
    const forecast = { prediction: 1.5, deviation: 0.25 };
    const { events } = h.read({ payload: 99, tags: { ignored: 'x' }, forecast, labels: { site: 'home' }, timestamp: 7 });
    assert.deepEqual(events, [point(forecast, 7, { site: 'home' })]);
    assert.deepEqual(h.read({ payload: 99, timestamp: 8 }).events, [
        { invalid: 'no fields: the message has no value at the fields property', index: -1 },
    ]);
});

test('array elements that are not objects (number, string, null, undefined, array) are invalid at their own index; the objects among them still become points, in order', () => {
    const h = harness();
    const reason = 'an array element must be an object { fields, tags?, timestamp?, measurement? }';
    const { events, count } = h.read({
        payload: [5, { payload: 1 }, 'x', null, undefined, [{ payload: 2 }], { fields: { a: 2 } }],
        timestamp: 10,
    });
    assert.equal(count, 7);
    assert.deepEqual(events, [
        { invalid: reason, index: 0 },
        point({ value: 1 }, 10),
        { invalid: reason, index: 2 },
        { invalid: reason, index: 3 },
        { invalid: reason, index: 4 },
        { invalid: reason, index: 5 },
        point({ a: 2 }, 10),
    ]);
});

test("an array element's fields come from `fields`, else `payload`, as an object (same object) or a single value; neither, null or an array is invalid at its index", () => {
    const h = harness();
    const object = { PAPP: 1200 };
    const { events, count } = h.read({
        payload: [
            { fields: object },
            { payload: 230 },
            { fields: 'on', payload: 1 },
            { fields: null, payload: false },
            {},
            { fields: null },
            { fields: [1, 2] },
            { payload: [{ a: 1 }] },
        ],
        timestamp: 3,
    });
    const reason = 'no fields: the element has neither fields nor payload';
    assert.equal(count, 8);
    assert.deepEqual(events, [
        point(object, 3),
        point({ value: 230 }, 3),
        point({ value: 'on' }, 3),
        point({ value: false }, 3),
        { invalid: reason, index: 4 },
        { invalid: reason, index: 5 },
        { invalid: reason, index: 6 },
        { invalid: reason, index: 7 },
    ]);
    assert.equal((events[0] as { point: Point }).point.fields, object);
});

// ── measurement ─────────────────────────────────────────────────────────────────────────────────

test("a message's measurement is msg.measurement, else the node's when msg.measurement is absent, empty or not a string", () => {
    const h = harness();
    assert.equal(onlyPoint(h, { payload: 1, timestamp: 0, measurement: 'voltage' }).measurement, 'voltage');
    for (const measurement of [undefined, null, '', 42, { name: 'x' }]) {
        assert.equal(
            onlyPoint(h, { payload: 1, timestamp: 0, measurement }).measurement,
            'energy',
            `msg.measurement ${JSON.stringify(measurement)}`,
        );
    }
});

test("an array element's measurement is its own, else msg.measurement, else the node's", () => {
    const h = harness();
    const { events } = h.read({ payload: [{ payload: 1, measurement: 'voltage' }, { payload: 2 }], measurement: 'power', timestamp: 1 });
    assert.deepEqual(events, [point({ value: 1 }, 1, undefined, 'voltage'), point({ value: 2 }, 1, undefined, 'power')]);
    assert.deepEqual(h.read({ payload: [{ payload: 3, measurement: 'voltage' }, { payload: 4 }], timestamp: 2 }).events, [
        point({ value: 3 }, 2, undefined, 'voltage'),
        point({ value: 4 }, 2, undefined, 'energy'),
    ]);
    // An element's measurement that is no name (empty, a number) gives way to msg.measurement, not to the node's.
    assert.deepEqual(
        h.read({
            payload: [
                { payload: 5, measurement: '' },
                { payload: 6, measurement: 5 },
            ],
            measurement: 'power',
            timestamp: 3,
        }).events,
        [point({ value: 5 }, 3, undefined, 'power'), point({ value: 6 }, 3, undefined, 'power')],
    );
});

test('with an empty node measurement, a message or element that names none is invalid; one that names it is stored', () => {
    const h = harness({ measurement: '' });
    assert.deepEqual(h.read({ payload: 1, timestamp: 1 }), {
        events: [{ invalid: 'no measurement: set one on the node or in msg.measurement', index: -1 }],
        count: 1,
    });
    assert.deepEqual(h.read({ payload: 1, timestamp: 1, measurement: '' }).events, [
        { invalid: 'no measurement: set one on the node or in msg.measurement', index: -1 },
    ]);
    assert.deepEqual(h.read({ payload: 1, timestamp: 1, measurement: 'power' }).events, [point({ value: 1 }, 1, undefined, 'power')]);
    assert.deepEqual(h.read({ payload: [{ payload: 1 }, { payload: 2, measurement: 'voltage' }], timestamp: 1 }), {
        events: [
            { invalid: 'no measurement: set one on the node, in msg.measurement or in the element', index: 0 },
            point({ value: 2 }, 1, undefined, 'voltage'),
        ],
        count: 2,
    });
    assert.deepEqual(h.read({ payload: [{ payload: 1 }], measurement: 'power', timestamp: 1 }).events, [
        point({ value: 1 }, 1, undefined, 'power'),
    ]);
});

test('a missing field is reported before a missing measurement', () => {
    const h = harness({ measurement: '' });
    assert.deepEqual(h.read({ payload: null, timestamp: 1 }).events, [
        { invalid: 'no fields: the message has no value at the fields property', index: -1 },
    ]);
});

// ── tags ────────────────────────────────────────────────────────────────────────────────────────

test('a string or number msg.topic becomes the configured topic tag, as text', () => {
    const h = harness();
    assert.deepEqual(onlyPoint(h, { payload: 1, timestamp: 0, topic: '021861348497' }).tags, { meter: '021861348497' });
    assert.deepEqual(onlyPoint(h, { payload: 1, timestamp: 0, topic: 7 }).tags, { meter: '7' });
    assert.deepEqual(onlyPoint(harness({ topicTag: 'sensor' }), { payload: 1, timestamp: 0, topic: 'kitchen' }).tags, {
        sensor: 'kitchen',
    });
});

test('no tags at all (undefined) without a topic, with an empty, non-finite, boolean or object topic, or with no topic tag configured', () => {
    const h = harness();
    for (const topic of [undefined, null, '', NaN, Infinity, true, { id: 1 }]) {
        assert.equal(onlyPoint(h, { payload: 1, timestamp: 0, topic }).tags, undefined, `topic ${JSON.stringify(topic)}`);
    }
    const untagged = harness({ topicTag: '' });
    assert.equal(onlyPoint(untagged, { payload: 1, timestamp: 0, topic: 'meter-1' }).tags, undefined);
    assert.deepEqual(onlyPoint(untagged, { payload: 1, timestamp: 0, topic: 'meter-1', tags: { site: 'home' } }).tags, { site: 'home' });
});

test("only a tag object's own keys are tags, not inherited ones", () => {
    const h = harness();
    const tags = Object.assign(Object.create({ inherited: 'no' }) as Record<string, unknown>, { site: 'home' });
    assert.deepEqual(onlyPoint(h, { payload: 1, timestamp: 0, tags }).tags, { site: 'home' });
});

test("tags merge the topic tag, then msg.tags, then the element's tags: a later one wins for the same key", () => {
    const h = harness();
    assert.deepEqual(onlyPoint(h, { payload: 1, timestamp: 0, topic: 'm1', tags: { site: 'home', meter: 'override' } }).tags, {
        meter: 'override',
        site: 'home',
    });
    const { events } = h.read({
        payload: [{ payload: 1, tags: { phase: '1', site: 'garage' } }, { payload: 2, tags: { meter: 'element' } }, { payload: 3 }],
        topic: 'm1',
        tags: { site: 'home', phase: '0' },
        timestamp: 4,
    });
    assert.deepEqual(events, [
        point({ value: 1 }, 4, { meter: 'm1', site: 'garage', phase: '1' }),
        point({ value: 2 }, 4, { meter: 'element', site: 'home', phase: '0' }),
        point({ value: 3 }, 4, { meter: 'm1', site: 'home', phase: '0' }),
    ]);
});

test('tag numbers and booleans become text; objects, arrays, null, undefined and non-finite numbers are left out and do not replace an earlier tag', () => {
    const h = harness();
    const tags = {
        phase: 1,
        ratio: 0.5,
        negative: -3,
        on: true,
        off: false,
        text: 'x',
        object: { a: 1 },
        list: ['a'],
        nothing: null,
        missing: undefined,
        nan: NaN,
        inf: Infinity,
        minf: -Infinity,
    };
    assert.deepEqual(onlyPoint(h, { payload: 1, timestamp: 0, tags }).tags, {
        phase: '1',
        ratio: '0.5',
        negative: '-3',
        on: 'true',
        off: 'false',
        text: 'x',
    });
    const { events } = h.read({
        payload: [{ payload: 1, tags: { site: null, phase: NaN, room: { a: 1 } } }],
        topic: 'm1',
        tags: { site: 'home', phase: 2 },
        timestamp: 0,
    });
    assert.deepEqual(events, [point({ value: 1 }, 0, { meter: 'm1', site: 'home', phase: '2' })]);
});

test('msg.tags and element tags that are not objects (text, number, array, null) are ignored', () => {
    const h = harness();
    for (const tags of ['site=home', 3, ['home'], null]) {
        assert.deepEqual(
            onlyPoint(h, { payload: 1, timestamp: 0, topic: 'm1', tags }).tags,
            { meter: 'm1' },
            `msg.tags ${JSON.stringify(tags)}`,
        );
        assert.equal(onlyPoint(h, { payload: 1, timestamp: 0, tags }).tags, undefined, `msg.tags ${JSON.stringify(tags)} without a topic`);
    }
    assert.deepEqual(
        h.read({
            payload: [
                { payload: 1, tags: 'x' },
                { payload: 2, tags: [1] },
            ],
            timestamp: 0,
        }).events,
        [point({ value: 1 }, 0), point({ value: 2 }, 0)],
    );
});

test('consecutive messages of one topic and no other tags share one frozen tags object; a new topic gets a new one', () => {
    const h = harness();
    const first = onlyPoint(h, { payload: 1, timestamp: 0, topic: 'm1' }).tags;
    const second = onlyPoint(h, { payload: 2, timestamp: 1, topic: 'm1' }).tags;
    assert.ok(Object.isFrozen(first));
    assert.equal(second, first);
    const arrayTags = h
        .read({ payload: [{ payload: 3 }, { payload: 4 }], topic: 'm1', timestamp: 2 })
        .events.map((event) => (event as { point: Point }).point.tags);
    assert.deepEqual(
        arrayTags.map((tags) => tags === first),
        [true, true],
    );

    const other = onlyPoint(h, { payload: 5, timestamp: 3, topic: 'm2' }).tags;
    assert.notEqual(other, first);
    assert.deepEqual(other, { meter: 'm2' });
    assert.ok(Object.isFrozen(other));
    assert.deepEqual(first, { meter: 'm1' }, 'the earlier object is not changed');
    assert.equal(onlyPoint(h, { payload: 6, timestamp: 4, topic: 'm2' }).tags, other);

    const back = onlyPoint(h, { payload: 7, timestamp: 5, topic: 'm1' }).tags;
    assert.notEqual(back, other);
    assert.deepEqual(back, { meter: 'm1' });
});

test('tags with msg.tags are a fresh unfrozen object each time and leave the shared topic object in place', () => {
    const h = harness();
    const shared = onlyPoint(h, { payload: 1, timestamp: 0, topic: 'm1' }).tags;
    const a = onlyPoint(h, { payload: 2, timestamp: 0, topic: 'm1', tags: { site: 'home' } }).tags;
    const b = onlyPoint(h, { payload: 3, timestamp: 0, topic: 'm1', tags: { site: 'home' } }).tags;
    assert.notEqual(a, b);
    assert.notEqual(a, shared);
    assert.ok(!Object.isFrozen(a));
    assert.equal(onlyPoint(h, { payload: 4, timestamp: 0, topic: 'm1' }).tags, shared);
});

// ── time ────────────────────────────────────────────────────────────────────────────────────────

test("msg.timestamp as a number (0 and fractions kept), a Date or an ISO-8601 text with offset is the point's time, and the clock is not read", () => {
    const h = harness();
    assert.equal(onlyPoint(h, { payload: 1, timestamp: 1_717_236_000_123.456 }).time, 1_717_236_000_123.456);
    assert.equal(onlyPoint(h, { payload: 1, timestamp: 0 }).time, 0);
    assert.equal(onlyPoint(h, { payload: 1, timestamp: -1000 }).time, -1000);
    assert.equal(onlyPoint(h, { payload: 1, timestamp: new Date(1_600_000_000_000) }).time, 1_600_000_000_000);
    assert.equal(onlyPoint(h, { payload: 1, timestamp: '2024-06-01T10:00:00+02:00' }).time, Date.UTC(2024, 5, 1, 8));
    assert.equal(onlyPoint(h, { payload: 1, timestamp: '2024-06-01T08:00:00.250Z' }).time, Date.UTC(2024, 5, 1, 8, 0, 0, 250));
    assert.equal(h.clockCalls(), 0);
});

test("without msg.timestamp (absent or null) the time is the clock's, read once per message", () => {
    const h = harness();
    assert.equal(onlyPoint(h, { payload: 1 }).time, ARRIVAL);
    assert.equal(h.clockCalls(), 1);
    assert.equal(onlyPoint(h, { payload: 1, timestamp: null }).time, ARRIVAL + 1);
    assert.equal(onlyPoint(h, { payload: 1, timestamp: undefined }).time, ARRIVAL + 2);
    assert.equal(h.clockCalls(), 3);
});

test('without an injected clock the arrival time is Date.now()', () => {
    const points = new MessagePoints({
        measurement: 'energy',
        topicTag: 'meter',
        readFields: (msg) => msg.payload,
        readTags: (msg) => msg.tags,
    });
    const before = Date.now();
    let time = NaN;
    const unstored = points.read({ payload: 1 }, (p) => {
        time = p.time;
        return undefined;
    });
    assert.equal(unstored, undefined);
    assert.ok(time >= before && time <= Date.now(), `time ${time}`);
});

test('what the store refuses is returned with its index, beside the elements that are no points; a single point at index -1', () => {
    const points = new MessagePoints({
        measurement: 'energy',
        topicTag: 'meter',
        readFields: (msg) => msg.payload,
        readTags: (msg) => msg.tags,
        clock: () => 0,
    });
    const refuseOdd = (point: Point) => ((point.fields.value as number) % 2 === 1 ? `odd ${String(point.fields.value)}` : undefined);
    assert.deepEqual(points.read({ payload: [{ payload: 1 }, 'x', { payload: 2 }, { payload: 3 }] }, refuseOdd), {
        failures: [
            { index: 0, reason: 'odd 1' },
            { index: 1, reason: 'an array element must be an object { fields, tags?, timestamp?, measurement? }' },
            { index: 3, reason: 'odd 3' },
        ],
        points: 4,
        invalid: 1,
    });
    assert.deepEqual(points.read({ payload: 5 }, refuseOdd), { failures: [{ index: -1, reason: 'odd 5' }], points: 1, invalid: 0 });
    assert.equal(points.read({ payload: 4 }, refuseOdd), undefined);
    assert.equal(points.read({ payload: [{ payload: 2 }, { payload: 4 }] }, refuseOdd), undefined);
});

test('an array reads the clock once per message: elements without a time of their own share the arrival time', () => {
    const h = harness();
    const { events } = h.read({ payload: [{ payload: 1 }, { payload: 2 }, { payload: 3, timestamp: null }] });
    assert.deepEqual(events, [point({ value: 1 }, ARRIVAL), point({ value: 2 }, ARRIVAL), point({ value: 3 }, ARRIVAL)]);
    assert.equal(h.clockCalls(), 1);
    assert.deepEqual(h.read({ payload: [{ payload: 4 }, { payload: 5 }] }).events, [
        point({ value: 4 }, ARRIVAL + 1),
        point({ value: 5 }, ARRIVAL + 1),
    ]);
    assert.equal(h.clockCalls(), 2);
    // Every element with a time of its own, or msg.timestamp: the clock is not read.
    h.read({ payload: [{ payload: 6, timestamp: 5 }, { payload: 7 }], timestamp: 6 });
    assert.equal(h.clockCalls(), 2);
});

test("in an array an element's own timestamp wins, an element without one takes msg.timestamp, and one with timestamp null the arrival time", () => {
    const h = harness();
    const { events } = h.read({
        payload: [
            { payload: 1, timestamp: 100 },
            { payload: 2 },
            { payload: 3, timestamp: null },
            { payload: 4, timestamp: '1970-01-01T00:00:01Z' },
            { payload: 5, timestamp: new Date(300) },
        ],
        timestamp: 200,
    });
    assert.deepEqual(events, [
        point({ value: 1 }, 100),
        point({ value: 2 }, 200),
        point({ value: 3 }, ARRIVAL),
        point({ value: 4 }, 1000),
        point({ value: 5 }, 300),
    ]);
});

test('a msg.timestamp that is no time (text, NaN, ±Infinity, an object, a boolean, an invalid Date) makes the message invalid at index -1', () => {
    const h = harness();
    const cases: [unknown, string][] = [
        ['soon', '"soon"'],
        [{}, '{}'],
        [true, 'true'],
        [NaN, 'NaN'],
        [Infinity, 'Infinity'],
        [-Infinity, '-Infinity'],
        [new Date(NaN), 'Invalid Date'],
        [10n, '10n'],
        // Date.parse would read '12' as 1 December 2001: only ISO-8601 text is a time.
        ['12', '"12"'],
        ['1717236000000', '"1717236000000"'],
        ['June 1, 2024', '"June 1, 2024"'],
    ];
    for (const [timestamp, shown] of cases) {
        assert.deepEqual(
            h.read({ payload: 1, timestamp }),
            { events: [{ invalid: `msg.timestamp ${shown} is not a time${TIME_FORMS}`, index: -1 }], count: 1 },
            shown,
        );
    }
    assert.equal(h.clockCalls(), 0);
});

test('ISO-8601 text is a time: a date, a date and time, with Z or an offset, with or without seconds and fractions', () => {
    const h = harness();
    const cases: [string, number][] = [
        ['2024-06-01', Date.UTC(2024, 5, 1)],
        ['2024-06-01T10:00:00Z', Date.UTC(2024, 5, 1, 10)],
        ['2024-06-01T12:00:00.250+02:00', Date.UTC(2024, 5, 1, 10, 0, 0, 250)],
        ['2024-06-01T12:00+0200', Date.UTC(2024, 5, 1, 10)],
        ['2024-06-01 10:00:00Z', Date.UTC(2024, 5, 1, 10)],
    ];
    for (const [timestamp, time] of cases) assert.equal(onlyPoint(h, { payload: 1, timestamp }).time, time, timestamp);
});

test('in an array a bad element timestamp is invalid at its index; a bad msg.timestamp makes invalid every element without a time of its own', () => {
    const h = harness();
    assert.deepEqual(h.read({ payload: [{ payload: 1, timestamp: 'soon' }, { payload: 2 }], timestamp: 50 }), {
        events: [{ invalid: `timestamp "soon" is not a time${TIME_FORMS}`, index: 0 }, point({ value: 2 }, 50)],
        count: 2,
    });
    assert.deepEqual(
        h.read({
            payload: [{ payload: 1 }, { payload: 2, timestamp: 60 }, { payload: 3, timestamp: null }, { payload: 4 }],
            timestamp: { at: 'noon' },
        }).events,
        [
            { invalid: `timestamp {"at":"noon"} is not a time${TIME_FORMS}`, index: 0 },
            point({ value: 2 }, 60),
            point({ value: 3 }, ARRIVAL),
            { invalid: `timestamp {"at":"noon"} is not a time${TIME_FORMS}`, index: 3 },
        ],
    );
    assert.deepEqual(
        h.read({
            payload: [
                { payload: 5, timestamp: 10n },
                { payload: 6, timestamp: 70 },
            ],
        }).events,
        [{ invalid: `timestamp 10n is not a time${TIME_FORMS}`, index: 0 }, point({ value: 6 }, 70)],
        'a BigInt is reported, not thrown, and the elements after it are stored',
    );
});

// ── count ───────────────────────────────────────────────────────────────────────────────────────

test("read returns the number of elements: 1 for a message that is not an array, valid or not, the array's length otherwise, 0 and no callback for an empty array", () => {
    const h = harness();
    assert.equal(h.read({ payload: { a: 1 }, timestamp: 0 }).count, 1);
    assert.equal(h.read({ payload: null }).count, 1);
    assert.equal(h.read({ payload: [{ payload: 1 }, 2, { payload: 3 }], timestamp: 0 }).count, 3);
    assert.deepEqual(h.read({ payload: [] }), { events: [], count: 0 });
});

test("messagePropertyReader reads what the runtime's getMessageProperty reads; undefined where that throws", () => {
    const msg = { payload: { PAPP: 1200 }, data: { fields: { v: 1 }, list: [{ x: 'a' }, { x: 'b' }], 'with space': { d: true } }, zero: 0 };
    const read = (expression: string) => messagePropertyReader(expression, (path) => nodeRedUtil.normalisePropertyExpression(path))(msg);
    for (const expression of [
        'payload',
        'payload.PAPP',
        'data.fields',
        'data.list[1].x',
        'data["with space"].d',
        'zero',
        'missing',
        'zero.deeper',
    ]) {
        assert.deepEqual(read(expression), nodeRedUtil.getMessageProperty(msg, expression), expression);
    }
    // The runtime throws on a missing parent; the store finds no fields there, a catchable error of the message.
    assert.throws(() => nodeRedUtil.getMessageProperty(msg, 'missing.deeper') as unknown);
    assert.equal(read('missing.deeper'), undefined);
    assert.throws(() => messagePropertyReader('payload[', (path) => nodeRedUtil.normalisePropertyExpression(path)));
});
