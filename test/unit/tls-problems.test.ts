/**
 * Which failures are a TLS setting to change. The errors are Node.js's and influxd's own, as
 * test/integration/influx-tls.test.ts gets them from real servers.
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { tlsProblemOf } from '../../lib/store/tls-problems';

test('certificates Node.js does not trust: self-signed, a private CA, expired, issued for another name', () => {
    for (const code of [
        'DEPTH_ZERO_SELF_SIGNED_CERT',
        'SELF_SIGNED_CERT_IN_CHAIN',
        'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
        'CERT_HAS_EXPIRED',
        'ERR_TLS_CERT_ALTNAME_INVALID',
    ]) {
        assert.equal(tlsProblemOf({ code, message: 'unable to verify the first certificate' }), 'untrusted certificate', code);
    }
});

test('TLS against a plain-http port, and plain http against a TLS port', () => {
    const wrongVersion =
        'write EPROTO 807C4CF3F27F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n';
    assert.equal(tlsProblemOf({ code: 'EPROTO', message: wrongVersion }), 'not tls');
    assert.equal(tlsProblemOf({ code: 'ERR_SSL_WRONG_VERSION_NUMBER', message: '' }), 'not tls');
    assert.equal(tlsProblemOf({ status: 400, message: 'Client sent an HTTP request to an HTTPS server.' }), 'tls expected');
});

test("outages and InfluxDB's own refusals are not TLS problems", () => {
    assert.equal(tlsProblemOf({ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:8086' }), undefined);
    assert.equal(tlsProblemOf({ code: 'ECONNRESET', message: 'socket hang up' }), undefined);
    assert.equal(tlsProblemOf({ status: 400, message: "unable to parse 'm v=': missing field value" }), undefined);
    assert.equal(tlsProblemOf({ status: 401, message: 'authorization failed' }), undefined);
});
