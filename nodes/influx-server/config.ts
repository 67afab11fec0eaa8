/**
 * The `influx-server` properties as saved in a flow file, checked and turned into typed settings,
 * and what the config node offers the nodes that use it (a file with `export =` cannot export types).
 */
import type { InfluxAdmin, InfluxDatabase, InfluxVersion } from '../../lib/store/influx-admin';
import { RAW_POLICY } from '../../lib/store/retention';
import type { KitConfigNode } from '../shared/config-node';
import { PropertyReader, type NumberLimits } from '../shared/properties';

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
export interface InfluxServer extends KitConfigNode {
    credentials: InfluxServerCredentials;
    /** The database's queries and retention; set once `configProblem` is undefined. */
    admin: InfluxAdmin;
    /** An error of `admin` in the editor's language, naming the server; any other error, its message. */
    messageOf(err: Error): string;
}

/** Shared with the editor's validators (the exported setting influxServerLimits). */
export const INFLUX_SERVER_LIMITS = {
    port: { integer: true, min: 1, max: 65535 },
    /** Whole days, 0 meaning forever. */
    days: { integer: true, min: 0 },
} as const satisfies Record<string, NumberLimits>;

const VERSIONS = ['1.x', '2.x-v1'] as const satisfies readonly InfluxVersion[];

export function parseInfluxServer(p: InfluxServerProperties): InfluxServerSettings {
    const read = new PropertyReader('influx-server', p);
    const host = read.text('host');
    const port = read.integer('port', INFLUX_SERVER_LIMITS.port, { default: 8086 });
    const database = read.text('database');
    const version = read.oneOf('version', VERSIONS, { default: '1.x' });
    const manageRetention = read.boolean('manageRetention', false);
    // InfluxDB 2.x has no continuous queries, and its v1 API cannot create buckets or policies.
    if (manageRetention && version !== '1.x')
        throw read.refuse('manageRetention', p.manageRetention, 'influx-server.errors.manageRetentionV2');
    const retentionPolicy = read.optionalText('retentionPolicy') || undefined;
    // Managed, the raw points have their own policy; writing them elsewhere would leave the rollups empty.
    if (manageRetention && retentionPolicy !== undefined && retentionPolicy !== RAW_POLICY) {
        throw read.refuse('retentionPolicy', p.retentionPolicy, 'influx-server.errors.policyManaged');
    }
    const tls = read.boolean('tls', false);
    const days = (name: string, fallback: number) =>
        read.integer(name, INFLUX_SERVER_LIMITS.days, { default: fallback, key: 'influx-server.errors.days' });
    return {
        host,
        port,
        database,
        tls,
        tlsConfig: tls ? read.optionalText('tlsConfig') || undefined : undefined,
        retentionPolicy: manageRetention ? RAW_POLICY : retentionPolicy,
        version,
        retention: manageRetention
            ? { database, rawDays: days('rawDays', 30), rollup1mDays: days('rollup1mDays', 400), rollup1hDays: days('rollup1hDays', 0) }
            : undefined,
    };
}
