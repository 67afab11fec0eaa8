/**
 * Connection failures that are a TLS setting to change, not an outage: the writer stops calling
 * them "unreachable" and reports them as configuration errors, influx-server says what to change.
 */

/** Certificate checks Node.js does in the handshake; the codes come from OpenSSL. */
const UNTRUSTED_CERTIFICATE = new Set([
    'DEPTH_ZERO_SELF_SIGNED_CERT',
    'SELF_SIGNED_CERT_IN_CHAIN',
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    'UNABLE_TO_GET_ISSUER_CERT',
    'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
    'CERT_HAS_EXPIRED',
    'CERT_NOT_YET_VALID',
    'CERT_UNTRUSTED',
    'ERR_TLS_CERT_ALTNAME_INVALID',
]);

export type TlsProblem =
    /** The server's certificate is not one Node.js trusts (self-signed, private CA, expired, another name). */
    | 'untrusted certificate'
    /** TLS on, but the port speaks plain HTTP. */
    | 'not tls'
    /** TLS off, but the port speaks TLS: Go's HTTP server (InfluxDB's) answers a plain request there with a text 400. */
    | 'tls expected';

/** What a failed request says of the TLS settings: `code` and `message` of the error, or `status` and body of the answer. */
export function tlsProblemOf(failure: { code?: string; message: string; status?: number }): TlsProblem | undefined {
    if (failure.code !== undefined && UNTRUSTED_CERTIFICATE.has(failure.code)) return 'untrusted certificate';
    // OpenSSL's words for an answer in plain HTTP to its handshake.
    if (failure.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/.test(failure.message)) return 'not tls';
    if (failure.status === 400 && /HTTP request to an HTTPS server/.test(failure.message)) return 'tls expected';
    return undefined;
}
