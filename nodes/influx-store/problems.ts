/**
 * Why InfluxDB did not take the store's points, in the user's language: what happened, and what to
 * change when the user can. The writer reports problems as data (lib/store/influx-writer).
 */
import type { SpoolCause, WriteProblem } from '../../lib/store/influx-writer';
import type { TlsProblem } from '../../lib/store/tls-problems';
import type { Translate } from '../shared/status';

/** What the user can change for each TLS problem, and for the HTTP answers that need the user. */
const TLS_ADVICE_KEYS: Record<TlsProblem, string> = {
    'untrusted certificate': 'influx-store.advice.untrustedCertificate',
    'not tls': 'influx-store.advice.notTls',
    'tls expected': 'influx-store.advice.tlsExpected',
};
const STATUS_ADVICE_KEYS: Record<number, string> = {
    403: 'influx-store.advice.forbidden',
    404: 'influx-store.advice.notFound',
};

export function describeProblem(problem: WriteProblem, t: Translate): string {
    const values = { server: problem.server, status: problem.status, detail: problem.detail };
    const what = t(problem.status === 0 ? 'influx-store.problem.unreachable' : 'influx-store.problem.answered', values);
    const adviceKey =
        problem.tls !== undefined
            ? TLS_ADVICE_KEYS[problem.tls]
            : problem.status === 401
              ? credentialsAdvice(problem)
              : STATUS_ADVICE_KEYS[problem.status];
    return adviceKey === undefined ? what : t('influx-store.problem.withAdvice', { problem: what, advice: t(adviceKey) });
}

/** Why points went to the spool rather than to InfluxDB. */
export function describeCause(cause: SpoolCause, t: Translate): string {
    switch (cause.kind) {
        case 'unavailable':
            return t('influx-store.spooled.unavailable', { problem: describeProblem(cause.problem, t) });
        case 'misconfigured':
            return describeProblem(cause.problem, t);
        default:
            return t(`influx-store.spooled.${cause.kind}`);
    }
}

function credentialsAdvice(problem: WriteProblem): string {
    return problem.credentials ? 'influx-store.advice.wrongCredentials' : 'influx-store.advice.noCredentials';
}
