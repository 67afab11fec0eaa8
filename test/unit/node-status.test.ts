/**
 * Each node's status from its counters, without the runtime: the stand-in translator returns the key
 * with its parameters, so the tests see which text and which figures a status shows.
 */
import { describe, test } from 'node:test';
import * as assert from 'node:assert/strict';
import { readingStatus } from '../../nodes/teleinfo-in/status';
import { forecastStatus } from '../../nodes/holt-winters/status';
import { storeStatus } from '../../nodes/influx-store/status';
import { describeCause, describeProblem } from '../../nodes/influx-store/problems';
import type { WriteProblem, WriterStats } from '../../lib/store/influx-writer';
import { tariffCostStatus } from '../../nodes/tariff-cost/status';
import type { TicCounters } from '../../lib/teleinfo/decoder';

const t = (key: string, params?: Record<string, string | number>) => (params === undefined ? key : `${key} ${JSON.stringify(params)}`);

describe('teleinfo-in status', () => {
    const counters = (c: Partial<TicCounters> = {}): TicCounters =>
        ({ frames: 0, groups: 0, badChecksum: 0, badFormat: 0, interrupted: 0, oversize: 0, validGroups: 0, ...c }) as TicCounters;

    test('before the first frame: searching, at the speed being tried', () => {
        assert.deepEqual(readingStatus({ mode: undefined, baud: 1200, counters: counters(), lastFrameHadDrops: false }, t), {
            fill: 'yellow',
            shape: 'dot',
            text: 'teleinfo-in.status.searching {"baud":1200}',
        });
    });

    test('reading: mode, speed, frames, and the errors summed from checksum, format and oversize counters', () => {
        const status = readingStatus(
            {
                mode: 'standard',
                baud: 9600,
                counters: counters({ frames: 12, badChecksum: 2, badFormat: 1, oversize: 1, interrupted: 3 }),
                lastFrameHadDrops: false,
            },
            t,
        );
        assert.deepEqual(status, {
            fill: 'green',
            shape: 'dot',
            text: 'teleinfo-in.status.reading {"mode":"teleinfo-in.mode.standard","baud":9600,"frames":12,"errors":4,"interrupted":3}',
        });
    });

    test('bytes from messages or TCP have no speed; a frame with dropped groups turns the dot yellow', () => {
        const status = readingStatus({ mode: 'historic', baud: undefined, counters: counters({ frames: 1 }), lastFrameHadDrops: true }, t);
        assert.equal(status.fill, 'yellow');
        assert.ok(String(status.text).startsWith('teleinfo-in.status.readingNoBaud '));
    });
});

describe('holt-winters status', () => {
    const none = { badInputs: 0, lateSamples: 0 };

    test('no series yet: grey, waiting', () => {
        assert.deepEqual(forecastStatus({ series: 0, warmingUp: 0, failing: 0 }, none, t), {
            fill: 'grey',
            shape: 'ring',
            text: 'holt-winters.status.waiting',
        });
    });

    test('the colour says the worst series: failing red, warming up yellow, else green; the counters are shown', () => {
        assert.equal(forecastStatus({ series: 3, warmingUp: 1, failing: 1 }, none, t).fill, 'red');
        assert.equal(forecastStatus({ series: 3, warmingUp: 1, failing: 0 }, none, t).fill, 'yellow');
        const status = forecastStatus({ series: 3, warmingUp: 0, failing: 0 }, { badInputs: 2, lateSamples: 5 }, t);
        assert.equal(status.fill, 'green');
        assert.equal(status.text, 'holt-winters.status.summary {"series":3,"warmingUp":0,"failing":0,"badInputs":2,"late":5}');
    });
});

describe('influx-store status', () => {
    const stats = (s: Partial<WriterStats> = {}): WriterStats => ({
        queued: 0,
        written: 0,
        spooled: 0,
        failed: 0,
        refused: 0,
        state: 'ok',
        ...s,
    });
    const none = { invalidPoints: 0, droppedFields: 0, lostValues: 0, refusing: false };

    test('all written: green, the counters; failed counts the points InfluxDB rejected and those no message could make', () => {
        assert.deepEqual(storeStatus(stats({ queued: 3, written: 1200, failed: 1 }), { ...none, invalidPoints: 2 }, t), {
            fill: 'green',
            shape: 'dot',
            text: 'influx-store.status.counters {"queued":3,"written":1200,"spooled":0,"failed":3}',
        });
    });

    test('refused, dropped and lost are shown only when there are any', () => {
        const text = storeStatus(stats({ refused: 4 }), { ...none, droppedFields: 5, lostValues: 6 }, t).text;
        assert.ok(
            String(text).endsWith(
                'influx-store.status.refused {"refused":4}influx-store.status.dropped {"dropped":5}influx-store.status.lost {"lost":6}',
            ),
            text,
        );
    });

    test('the colour: a full spool or a configuration InfluxDB refuses is red, points waiting in the spool yellow', () => {
        assert.equal(storeStatus(stats(), { ...none, refusing: true }, t).text?.startsWith('influx-store.status.spoolFull · '), true);
        assert.deepEqual(storeStatus(stats({ state: 'misconfigured' }), none, t).fill, 'red');
        assert.deepEqual(storeStatus(stats({ state: 'retrying' }), none, t), {
            fill: 'yellow',
            shape: 'ring',
            text: storeStatus(stats(), none, t).text,
        });
        assert.equal(storeStatus(stats({ spooled: 10 }), none, t).fill, 'yellow');
    });
});

describe('influx-store problems, in words', () => {
    const problem = (p: Partial<WriteProblem>): WriteProblem => ({
        server: 'InfluxDB h:8086/energy',
        status: 0,
        detail: 'connect ECONNREFUSED',
        credentials: false,
        ...p,
    });
    // Shows only the advice a problem comes with.
    const adviceOnly = (key: string, params?: Record<string, string | number>) =>
        params?.advice === undefined ? key : `advice ${params.advice}`;
    const shown = (p: WriteProblem) => describeProblem(p, adviceOnly);
    const advice = (key: string) => `advice ${key}`;

    test('no answer: unreachable, no advice', () => {
        assert.equal(
            describeProblem(problem({}), t),
            'influx-store.problem.unreachable {"server":"InfluxDB h:8086/energy","status":0,"detail":"connect ECONNREFUSED"}',
        );
    });

    test('the advice follows the cause: credentials missing or wrong, rights, database, TLS', () => {
        assert.equal(shown(problem({ status: 401 })), advice('influx-store.advice.noCredentials'));
        assert.equal(shown(problem({ status: 401, credentials: true })), advice('influx-store.advice.wrongCredentials'));
        assert.equal(shown(problem({ status: 403 })), advice('influx-store.advice.forbidden'));
        assert.equal(shown(problem({ status: 404 })), advice('influx-store.advice.notFound'));
        assert.equal(shown(problem({ tls: 'untrusted certificate' })), advice('influx-store.advice.untrustedCertificate'));
        assert.ok(describeProblem(problem({ status: 500, detail: 'boom' }), t).startsWith('influx-store.problem.answered '));
    });

    test('why points were spooled', () => {
        assert.ok(
            describeCause({ kind: 'unavailable', problem: problem({}) }, t).startsWith(
                'influx-store.spooled.unavailable {"problem":"influx-store.problem.unreachable',
            ),
        );
        assert.ok(
            describeCause({ kind: 'misconfigured', problem: problem({ status: 403 }) }, t).startsWith('influx-store.problem.withAdvice'),
        );
        assert.equal(describeCause({ kind: 'behind' }, t), 'influx-store.spooled.behind');
    });
});

describe('tariff-cost status', () => {
    const counters = { tariffs: 2, priced: 0, refused: 0, lastTotal: undefined, lastRefused: false };

    test('nothing priced nor refused yet: grey, waiting, with the number of tariffs', () => {
        assert.deepEqual(tariffCostStatus(counters, t), { fill: 'grey', shape: 'ring', text: 'tariff-cost.status.waiting {"tariffs":2}' });
    });

    test('priced: green with the counters and the last total; red while the last message was refused', () => {
        const priced = { ...counters, priced: 5, refused: 1, lastTotal: '12.84 €' };
        assert.deepEqual(tariffCostStatus(priced, t), {
            fill: 'green',
            shape: 'dot',
            text: 'tariff-cost.status.summaryWithTotal {"tariffs":2,"priced":5,"refused":1,"total":"12.84 €"}',
        });
        assert.deepEqual(tariffCostStatus({ ...priced, lastRefused: true }, t).fill, 'red');
        assert.deepEqual(tariffCostStatus({ ...counters, refused: 1, lastRefused: true }, t), {
            fill: 'red',
            shape: 'ring',
            text: 'tariff-cost.status.summary {"tariffs":2,"priced":0,"refused":1,"total":""}',
        });
    });
});
