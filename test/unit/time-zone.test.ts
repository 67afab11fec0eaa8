/**
 * The time-zone clock: the changes of summer time in the zones of the meters (France, Switzerland,
 * Austria) and in the southern hemisphere, offsets that are not whole hours, the gap and the overlap,
 * leap years, weeks and month ends, and every local reading checked against Intl over a year.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { TimeZone, TimeZoneError, type WallClock } from '../../lib/util/time-zone';

const at = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const reading = (wall: WallClock) => [wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second, wall.millisecond];

test('Paris, Zurich and Vienna change at 01:00 UTC on the last Sundays of March and October', () => {
    const changes = [
        { year: 2024, spring: 31, autumn: 27 },
        { year: 2025, spring: 30, autumn: 26 },
        { year: 2026, spring: 29, autumn: 25 },
    ];
    for (const name of ['Europe/Paris', 'Europe/Zurich', 'Europe/Vienna']) {
        const zone = new TimeZone(name);
        for (const { year, spring, autumn } of changes) {
            const march = `${year}-03-${spring}`;
            const october = `${year}-10-${autumn}`;
            assert.equal(zone.iso(at(`${march}T00:59:59.999Z`)), `${march}T01:59:59.999+01:00`, name);
            assert.equal(zone.iso(at(`${march}T01:00:00Z`)), `${march}T03:00:00+02:00`, name);
            assert.equal(zone.iso(at(`${october}T00:59:59.999Z`)), `${october}T02:59:59.999+02:00`, name);
            assert.equal(zone.iso(at(`${october}T01:00:00Z`)), `${october}T02:00:00+01:00`, name);
            assert.equal(zone.offset(at(`${march}T00:59:59.999Z`)), HOUR);
            assert.equal(zone.offset(at(`${march}T01:00:00Z`)), 2 * HOUR);
            // The days of the changes last 23 and 25 hours.
            assert.equal(zone.addDays(at(`${march}T12:00:00Z`), 1) - zone.startOfDay(at(`${march}T12:00:00Z`)), 23 * HOUR, name);
            assert.equal(zone.addDays(at(`${october}T12:00:00Z`), 1) - zone.startOfDay(at(`${october}T12:00:00Z`)), 25 * HOUR, name);
            assert.equal(zone.wallClock(at(`${march}T12:00:00Z`)).weekday, 7);
        }
    }
});

test('the gap: a skipped local time is moved on by the hour skipped, as a clock not yet set forward reads it', () => {
    const paris = new TimeZone('Europe/Paris');
    assert.equal(paris.instant(2026, 3, 29, 1, 59, 59, 999), at('2026-03-29T01:59:59.999+01:00'));
    assert.equal(paris.instant(2026, 3, 29, 2, 0), at('2026-03-29T03:00:00+02:00'));
    assert.equal(paris.instant(2026, 3, 29, 2, 30), at('2026-03-29T03:30:00+02:00'));
    assert.equal(paris.instant(2026, 3, 29, 2, 59, 59), at('2026-03-29T03:59:59+02:00'));
    assert.equal(paris.instant(2026, 3, 29, 3, 0), at('2026-03-29T03:00:00+02:00'));
    assert.equal(new TimeZone('Europe/Vienna').instant(2025, 3, 30, 2, 15), at('2025-03-30T03:15:00+02:00'));
    // Lord Howe Island moves its clocks by half an hour: 02:15 is skipped by 30 minutes.
    assert.equal(new TimeZone('Australia/Lord_Howe').instant(2026, 10, 4, 2, 15), at('2026-10-04T02:45:00+11:00'));
    // Where the clocks jump at midnight, the day starts at 01:00.
    const santiago = new TimeZone('America/Santiago');
    assert.equal(santiago.startOfDay(at('2026-09-06T12:00:00-03:00')), at('2026-09-06T01:00:00-03:00'));
    assert.equal(santiago.instant(2026, 9, 6), at('2026-09-06T01:00:00-03:00'));
});

test('the overlap: a local time read twice is the first one, still on summer time', () => {
    const zurich = new TimeZone('Europe/Zurich');
    assert.equal(zurich.instant(2026, 10, 25, 1, 59, 59), at('2026-10-25T01:59:59+02:00'));
    assert.equal(zurich.instant(2026, 10, 25, 2, 0), at('2026-10-25T02:00:00+02:00'));
    assert.equal(zurich.instant(2026, 10, 25, 2, 30), at('2026-10-25T02:30:00+02:00'));
    assert.equal(zurich.instant(2026, 10, 25, 2, 59, 59, 999), at('2026-10-25T02:59:59.999+02:00'));
    assert.equal(zurich.instant(2026, 10, 25, 3, 0), at('2026-10-25T03:00:00+01:00'));
    // Both instants read 02:30, with their own offsets.
    const first = zurich.wallClock(at('2026-10-25T00:30:00Z'));
    const second = zurich.wallClock(at('2026-10-25T01:30:00Z'));
    assert.deepEqual([first.hour, first.minute, first.offsetMinutes], [2, 30, 120]);
    assert.deepEqual([second.hour, second.minute, second.offsetMinutes], [2, 30, 60]);
});

test('southern hemisphere: Adelaide (+09:30 / +10:30) changes on the first Sundays of April and October', () => {
    const adelaide = new TimeZone('Australia/Adelaide');
    assert.equal(adelaide.iso(at('2026-04-04T16:29:59Z')), '2026-04-05T02:59:59+10:30');
    assert.equal(adelaide.iso(at('2026-04-04T16:30:00Z')), '2026-04-05T02:00:00+09:30');
    assert.equal(adelaide.iso(at('2026-10-03T16:29:59Z')), '2026-10-04T01:59:59+09:30');
    assert.equal(adelaide.iso(at('2026-10-03T16:30:00Z')), '2026-10-04T03:00:00+10:30');
    assert.equal(adelaide.instant(2026, 4, 5, 2, 30), at('2026-04-05T02:30:00+10:30'));
    assert.equal(adelaide.instant(2026, 10, 4, 2, 30), at('2026-10-04T03:30:00+10:30'));
    assert.equal(adelaide.wallClock(at('2026-01-15T00:00:00Z')).offsetMinutes, 630);
    assert.equal(adelaide.wallClock(at('2026-07-15T00:00:00Z')).offsetMinutes, 570);
    assert.equal(adelaide.addDays(at('2026-04-05T12:00:00+09:30'), 1) - adelaide.startOfDay(at('2026-04-05T12:00:00+09:30')), 25 * HOUR);
    assert.equal(adelaide.addDays(at('2026-10-04T12:00:00+10:30'), 1) - adelaide.startOfDay(at('2026-10-04T12:00:00+10:30')), 23 * HOUR);
});

test('offsets that are not whole hours: local buckets, ISO text, negative offsets', () => {
    const kolkata = new TimeZone('Asia/Kolkata');
    assert.equal(kolkata.wallClock(at('2026-01-01T00:00:00Z')).offsetMinutes, 330);
    assert.equal(kolkata.iso(at('2026-01-01T00:00:00Z')), '2026-01-01T05:30:00+05:30');
    assert.equal(kolkata.floor(at('2026-01-01T10:15:00Z'), HOUR), at('2026-01-01T09:30:00Z'));
    assert.equal(kolkata.startOfDay(at('2026-01-01T20:00:00Z')), at('2026-01-02T00:00:00+05:30'));
    const kathmandu = new TimeZone('Asia/Kathmandu');
    assert.equal(kathmandu.iso(at('2026-01-01T00:00:00Z')), '2026-01-01T05:45:00+05:45');
    assert.equal(kathmandu.floor(at('2026-01-01T10:20:00Z'), HOUR), at('2026-01-01T10:15:00Z'));
    assert.equal(new TimeZone('Pacific/Chatham').iso(at('2026-07-01T00:00:00Z')), '2026-07-01T12:45:00+12:45');
    const stJohns = new TimeZone('America/St_Johns');
    assert.equal(stJohns.iso(at('2026-01-01T00:00:00Z')), '2025-12-31T20:30:00-03:30');
    assert.equal(stJohns.wallClock(at('2026-07-01T00:00:00Z')).offsetMinutes, -150);
    assert.equal(new TimeZone('UTC').iso(at('2026-01-01T00:00:00.250Z')), '2026-01-01T00:00:00.250+00:00');
    // Local mean time, before the zones: Paris was 9 minutes 21 seconds ahead of UTC.
    const paris = new TimeZone('Europe/Paris');
    assert.equal(paris.iso(at('1900-01-01T00:00:00Z')), '1900-01-01T00:09:21+00:09:21');
    assert.equal(paris.wallClock(Date.UTC(-1000, 0, 1)).offsetMinutes, 561_000 / 60_000);
});

test('leap years: 29 February in 2024 and 2000, not in 2025 nor 2100', () => {
    const vienna = new TimeZone('Europe/Vienna');
    assert.equal(vienna.addDays(at('2024-02-28T12:00:00+01:00'), 1), at('2024-02-29T00:00:00+01:00'));
    assert.equal(vienna.addDays(at('2024-02-29T12:00:00+01:00'), 1), at('2024-03-01T00:00:00+01:00'));
    assert.equal(vienna.addDays(at('2025-02-28T12:00:00+01:00'), 1), at('2025-03-01T00:00:00+01:00'));
    assert.equal(vienna.instant(2025, 2, 29), at('2025-03-01T00:00:00+01:00'));
    assert.equal(vienna.instant(2000, 2, 29), at('2000-02-29T00:00:00+01:00'));
    assert.equal(vienna.instant(2100, 2, 29), at('2100-03-01T00:00:00+01:00'));
    const year = (y: number) => {
        const start = vienna.startOfYear(at(`${y}-06-01T00:00:00Z`));
        return vienna.addMonths(start, 12) - start;
    };
    assert.equal(year(2024), 366 * DAY);
    assert.equal(year(2025), 365 * DAY);
    assert.equal(vienna.startOfYear(at('2024-12-31T23:59:59.999+01:00')), at('2024-01-01T00:00:00+01:00'));
    assert.equal(vienna.startOfYear(at('2024-12-31T23:00:00Z')), at('2025-01-01T00:00:00+01:00'));
});

test('weeks start on Monday at local midnight', () => {
    const paris = new TimeZone('Europe/Paris');
    const monday = at('2026-03-23T00:00:00+01:00');
    assert.equal(paris.wallClock(monday).weekday, 1);
    assert.equal(paris.wallClock(at('2026-03-28T12:00:00+01:00')).weekday, 6);
    assert.equal(paris.startOfWeek(monday), monday);
    assert.equal(paris.startOfWeek(at('2026-03-29T23:59:59+02:00')), monday);
    assert.equal(paris.startOfWeek(monday - 1), at('2026-03-16T00:00:00+01:00'));
    // The week of the spring change lasts 167 hours.
    assert.equal(paris.addDays(monday, 7) - monday, 167 * HOUR);
    // Across a new year: 1 January 2026 is a Thursday.
    assert.equal(paris.startOfWeek(at('2026-01-01T12:00:00+01:00')), at('2025-12-29T00:00:00+01:00'));
});

test('month ends: the last millisecond of a month, days and months overflowing into the next', () => {
    const zurich = new TimeZone('Europe/Zurich');
    assert.equal(zurich.startOfMonth(at('2024-02-29T23:59:59.999+01:00')), at('2024-02-01T00:00:00+01:00'));
    assert.equal(zurich.startOfMonth(at('2024-03-01T00:00:00+01:00')), at('2024-03-01T00:00:00+01:00'));
    assert.equal(zurich.startOfMonth(at('2026-10-31T23:30:00+01:00')), at('2026-10-01T00:00:00+02:00'));
    assert.equal(zurich.addDays(at('2026-01-31T08:00:00+01:00'), 1), at('2026-02-01T00:00:00+01:00'));
    assert.equal(zurich.addDays(at('2025-12-31T08:00:00+01:00'), 1), at('2026-01-01T00:00:00+01:00'));
    assert.equal(zurich.addDays(at('2026-03-01T08:00:00+01:00'), -1), at('2026-02-28T00:00:00+01:00'));
    assert.equal(zurich.addMonths(at('2026-01-31T08:00:00+01:00'), 1), at('2026-02-01T00:00:00+01:00'));
    assert.equal(zurich.addMonths(at('2026-03-15T08:00:00+01:00'), -13), at('2025-02-01T00:00:00+01:00'));
    assert.equal(zurich.addMonths(at('2026-11-15T08:00:00+01:00'), 2), at('2027-01-01T00:00:00+01:00'));
    // March loses an hour, October gains one.
    assert.equal(zurich.addMonths(at('2026-03-10T00:00:00Z'), 1) - zurich.startOfMonth(at('2026-03-10T00:00:00Z')), 31 * DAY - HOUR);
    assert.equal(zurich.addMonths(at('2026-10-10T00:00:00Z'), 1) - zurich.startOfMonth(at('2026-10-10T00:00:00Z')), 31 * DAY + HOUR);
    assert.equal(zurich.instant(2026, 4, 31), at('2026-05-01T00:00:00+02:00'));
    assert.equal(zurich.instant(2026, 13, 1), at('2027-01-01T00:00:00+01:00'));
});

test('every local reading over a year agrees with Intl, and the instant of each reading gives it back', () => {
    const weekdays = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
    const zones = [
        'Europe/Paris',
        'Europe/Zurich',
        'Europe/Vienna',
        'Asia/Kolkata',
        'Asia/Kathmandu',
        'Australia/Adelaide',
        'Australia/Lord_Howe',
        'America/Santiago',
        'America/St_Johns',
        'Pacific/Chatham',
        'UTC',
    ];
    for (const name of zones) {
        const zone = new TimeZone(name);
        const intl = new Intl.DateTimeFormat('en-US', {
            timeZone: name,
            hourCycle: 'h23',
            weekday: 'short',
            year: 'numeric',
            month: 'numeric',
            day: 'numeric',
            hour: 'numeric',
            minute: 'numeric',
            second: 'numeric',
        });
        // An odd step, so that the readings fall on every minute and second of the hour.
        for (let time = at('2026-01-01T00:00:00Z'); time < at('2027-01-01T00:00:00Z'); time += 53 * 60_000 + 7_001) {
            const parts = Object.fromEntries(intl.formatToParts(time).map((part) => [part.type, part.value]));
            const wall = zone.wallClock(time);
            const expected = ['year', 'month', 'day', 'hour', 'minute', 'second'].map((type) => Number(parts[type]));
            assert.deepEqual(reading(wall).slice(0, 6), expected, `${name} ${new Date(time).toISOString()}`);
            assert.equal(wall.weekday, weekdays.indexOf(parts.weekday) + 1);
            assert.equal(wall.millisecond, time % 1000);
            const back = zone.instant(wall.year, wall.month, wall.day, wall.hour, wall.minute, wall.second, wall.millisecond);
            // The second reading of an overlap gives back the first instant that reads the same.
            if (back !== time) {
                assert.ok(back < time && time - back <= HOUR, `${name} ${new Date(time).toISOString()}`);
                assert.deepEqual(reading(zone.wallClock(back)), reading(wall));
            }
        }
    }
});

test('an unknown zone is refused with its name; no name never means the host zone', () => {
    for (const name of ['Mars/Olympus', 'Europe/Pariss', '', undefined, 42]) {
        assert.throws(
            () => new TimeZone(name as string),
            (err) => err instanceof TimeZoneError && err.reason === 'unknownZone' && err.value === name,
        );
    }
    // Refused again, not remembered as known.
    assert.throws(() => new TimeZone('Mars/Olympus'), TimeZoneError);
    assert.equal(new TimeZone('Europe/Vienna').name, 'Europe/Vienna');
});
