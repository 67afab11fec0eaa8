/**
 * The demo's simulated history: one point a minute per meter, indexes that only grow, the live
 * meters (the same models, carrying on) starting at or above where it ends, and the very shape the Home Linky flow's store writes (its
 * "Frame → point" function run on the same readings).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TicDecoder } from '../../lib/teleinfo/decoder';
import { TicMeterView, type TicReading } from '../../lib/teleinfo/reading';
import { demoMeters, METER_TAG, PERIOD_TAG, simulatedHistory, teleinfoPoint } from '../../sim/history-backfill';
import { projectRoot } from '../support/paths';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const END = Date.parse('2026-01-15T12:00:00Z');

function readingsOf(at: number, meters = demoMeters()): TicReading[] {
    return meters.map((meter) => {
        const readings: TicReading[] = [];
        new TicDecoder({ mode: meter.mode, onFrame: (frame) => readings.push(new TicMeterView().read(frame, at)) }).push(
            meter.frameAt(new Date(at)),
        );
        return readings[0];
    });
}

test("two days at one point a minute: one point per meter and minute, indexes never going down, ending at the live meter's", () => {
    const meters = demoMeters();
    const history = simulatedHistory(END - 2 * DAY_MS, END, MINUTE_MS, meters);
    assert.equal(history.length, 2);
    // The demo's live simulator carries on with the models the history was read from.
    const live = readingsOf(END, meters).map(teleinfoPoint);
    history.forEach((points, i) => {
        assert.equal(points.length, 2 * 24 * 60);
        const indexes = Object.keys(points[0].fields).filter((f) => /^(HCHC|HCHP|EAST|EASF\d\d|EAIT)$/.test(f));
        assert.ok(indexes.length >= 2);
        for (const field of indexes) {
            const values = points.map((p) => Number(p.fields[field]));
            assert.ok(
                values.every((v, k) => k === 0 || v >= values[k - 1]),
                `${field} never goes down`,
            );
            assert.ok(
                Number(live[i].fields[field]) - values[values.length - 1] >= 0,
                `${field} ends at or below the live meter's first index`,
            );
        }
        assert.ok(points.every((p) => p.tags?.[METER_TAG] === points[0].tags?.[METER_TAG] && p.tags?.[PERIOD_TAG] !== undefined));
    });
    assert.ok(Number(history[0][history[0].length - 1].fields.HCHC) > Number(history[0][0].fields.HCHC), 'the home uses energy');
});

test('the flow\'s "Frame → point" function stores a frame exactly as the back-fill does', () => {
    const flow = JSON.parse(fs.readFileSync(path.join(projectRoot, 'flows', 'home-linky.json'), 'utf8')) as { id: string; func?: string }[];
    const code = flow.find((n) => n.id === 'home-linky-fn-point')?.func;
    assert.ok(code !== undefined);
    // The function node's body, run as Node-RED runs it: a function of msg.
    // eslint-disable-next-line @typescript-eslint/no-implied-eval
    const frameToPoint = new Function('msg', code) as (msg: TicReading) => {
        topic: string;
        payload: Record<string, unknown>;
        tags: Record<string, string>;
        timestamp: number;
    };
    for (const reading of readingsOf(END)) {
        const out = frameToPoint(structuredClone(reading));
        const point = teleinfoPoint(reading);
        assert.deepEqual(out.payload, point.fields);
        assert.deepEqual({ [METER_TAG]: out.topic, ...out.tags }, point.tags);
        assert.equal(out.timestamp, point.time);
        assert.ok(Object.values(out.payload).every((v) => typeof v === 'number'));
    }
});
