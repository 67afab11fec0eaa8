/**
 * The `influx-server` properties as saved in a flow file, checked and turned into typed settings,
 * and what the config node offers the nodes that use it (a file with `export =` cannot export types).
 */
import type { Node } from 'node-red';
import type { InfluxAdmin, InfluxDatabase, InfluxVersion } from '../../lib/store/influx-admin';
import { RAW_POLICY } from '../../lib/store/retention';
import { ConfigError } from '../shared/config-error';

export { ConfigError };

export interface InfluxServerProperties {
    host?: string;
    port?: string | number;
    database?: string;
    tls?: boolean | string;
    /** The id of a core `tls-config` node. */
    tlsConfig?: string;
    retentionPolicy?: string;
    version?: string;
    manageRetention?: boolean | string;
    rawDays?: string | number;
    rollup1mDays?: string | number;
    rollup1hDays?: string | number;
}

export interface InfluxServerCredentials {
    username?: string;
    password?: string;
}

export interface InfluxServerSettings extends InfluxDatabase {
    /** With TLS, the id of the `tls-config` node https takes its options from; undefined for Node.js's own trust (its CAs, NODE_EXTRA_CA_CERTS). */
    tlsConfig: string | undefined;
}

/** The influx-server node as the store and history nodes see it. */
export interface InfluxServer extends Node<InfluxServerCredentials> {
    /** The database's queries and retention; undefined when a property is unusable, and `configError` says which. */
    admin: InfluxAdmin | undefined;
    configError: string | undefined;
    /** An error of `admin` in the editor's language, naming the server; any other error, its message. */
    messageOf(err: Error): string;
}

const VERSIONS: readonly string[] = ['1.x', '2.x-v1'];

export function parseInfluxServer(p: InfluxServerProperties): InfluxServerSettings {
    const host = (p.host ?? '').trim();
    if (host === '') throw new ConfigError('influx-server.errors.host', 'host', p.host);
    const port = p.port === undefined || p.port === '' ? 8086 : Number(p.port);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ConfigError('influx-server.errors.port', 'port', p.port);
    const database = (p.database ?? '').trim();
    if (database === '') throw new ConfigError('influx-server.errors.database', 'database', p.database);
    const version = p.version || '1.x';
    if (!VERSIONS.includes(version)) throw new ConfigError('influx-server.errors.version', 'version', p.version);
    const manageRetention = p.manageRetention === true || p.manageRetention === 'true';
    // InfluxDB 2.x has no continuous queries, and its v1 API cannot create buckets or policies.
    if (manageRetention && version !== '1.x') throw new ConfigError('influx-server.errors.manageRetentionV2', 'manageRetention', p.manageRetention);
    const retentionPolicy = (p.retentionPolicy ?? '').trim() || undefined;
    // Managed, the raw points have their own policy; writing them elsewhere would leave the rollups empty.
    if (manageRetention && retentionPolicy !== undefined && retentionPolicy !== RAW_POLICY) {
        throw new ConfigError('influx-server.errors.policyManaged', 'retentionPolicy', p.retentionPolicy);
    }
    const tls = p.tls === true || p.tls === 'true';
    return {
        host,
        port,
        database,
        tls,
        tlsConfig: tls ? (p.tlsConfig ?? '').trim() || undefined : undefined,
        retentionPolicy: manageRetention ? RAW_POLICY : retentionPolicy,
        version: version as InfluxVersion,
        retention: manageRetention
            ? { database, rawDays: days(p, 'rawDays', 30), rollup1mDays: days(p, 'rollup1mDays', 400), rollup1hDays: days(p, 'rollup1hDays', 0) }
            : undefined,
    };
}

/** Whole days, 0 meaning forever. */
function days(p: InfluxServerProperties, property: 'rawDays' | 'rollup1mDays' | 'rollup1hDays', fallback: number): number {
    const value = p[property];
    if (value === undefined || value === '') return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new ConfigError('influx-server.errors.days', property, value);
    return n;
}
