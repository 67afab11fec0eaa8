/** RateLimitByKey: one report per key and interval, the ones held back counted into the next. */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { RateLimitByKey } from '../../lib/util/rate-limit';

test('one report per key and interval; the next one let through counts those held back', () => {
    const limit = new RateLimitByKey(60_000);
    assert.equal(limit.pass('m v', 0), 0);
    assert.equal(limit.pass('m v', 1000), undefined);
    assert.equal(limit.pass('m v', 59_999), undefined);
    assert.equal(limit.pass('m w', 30_000), 0, 'another key has its own interval');
    assert.equal(limit.pass('m v', 60_000), 2);
    assert.equal(limit.pass('m v', 60_001), undefined);
    assert.equal(limit.pass('m v', 200_000), 1);
    assert.equal(limit.pass('m v', 300_000), 0);
});

test('past maxKeys every key starts afresh: keys that come from messages cannot grow it forever', () => {
    const limit = new RateLimitByKey(60_000, 2);
    assert.equal(limit.pass('a', 0), 0);
    assert.equal(limit.pass('b', 0), 0);
    assert.equal(limit.pass('a', 1), undefined);
    assert.equal(limit.pass('c', 2), 0);
    assert.equal(limit.pass('a', 3), 0, 'forgotten with the others');
});
