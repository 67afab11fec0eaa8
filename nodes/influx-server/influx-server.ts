/**
 * `influx-server`: the connection to one InfluxDB database, shared by the influx-store and
 * influx-history nodes. Its properties, credentials and TLS options (from a core `tls-config`
 * node) build an InfluxAdmin (lib/store/influx-admin), which the users read as `admin`; this file
 * words its errors and reports, and closes it with the node.
 */
import type * as https from 'node:https';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { InfluxAdmin, InfluxAdminError } from '../../lib/store/influx-admin';
import type { TlsProblem } from '../../lib/store/tls-problems';
import {
    INFLUX_SERVER_LIMITS,
    parseInfluxServer,
    type InfluxServer,
    type InfluxServerCredentials,
    type InfluxServerProperties,
} from './config';
import { configNodeSettings } from '../shared/bad-config';
import { ConfigError } from '../shared/config-error';

type InfluxServerDef = NodeDef & InfluxServerProperties;

/** The core `tls-config` node (@node-red/nodes core/network/05-tls.js), as far as this node uses it. */
interface TlsConfigNode extends Node {
    /** False when it could not read its certificate files: it has said why with its own error. */
    valid: boolean;
    /**
     * Fills `opts` with its CA, certificate, key and passphrase (when valid), servername, ALPN
     * protocol, and `rejectUnauthorized` from its "verify server certificate" box; returns `opts`.
     */
    addTLSOptions(opts: https.RequestOptions): https.RequestOptions;
}

const TLS_PROBLEM_KEYS: Record<TlsProblem, string> = {
    'untrusted certificate': 'influx-server.errors.certificateUntrusted',
    'not tls': 'influx-server.errors.notTls',
    'tls expected': 'influx-server.errors.httpsExpected',
};

export = function (RED: NodeAPI) {
    function InfluxServerNode(this: InfluxServer, def: InfluxServerDef) {
        RED.nodes.createNode(this, def);
        const node = this;
        node.messageOf = messageOf;

        const parsed = configNodeSettings(RED, node, def, (config) => {
            const settings = parseInfluxServer(config);
            return { settings, tlsOptions: settings.tlsConfig === undefined ? undefined : tlsOptionsOf(settings.tlsConfig) };
        });
        // The store and history nodes see its configProblem: nothing else is needed.
        if (parsed === undefined) return;
        const { settings, tlsOptions } = parsed;

        const { username, password } = node.credentials ?? {};
        const admin = new InfluxAdmin({ ...settings, tlsOptions, username, password });
        admin.on('retentionStatement', (statement) => node.log(RED._('influx-server.log.statement', { statement })));
        admin.on('retentionFailed', (err, retryInMs) => {
            node.warn(RED._('influx-server.errors.retentionSetup', { error: messageOf(err), seconds: Math.round(retryInMs / 1000) }));
        });
        admin.on('retentionRecovered', () => node.log(RED._('influx-server.log.retentionReady', { database: settings.database })));
        admin.on('rolledUp', (from, to) => {
            node.log(RED._('influx-server.log.rolledUp', { from: new Date(from).toISOString(), to: new Date(to).toISOString() }));
        });
        node.admin = admin;
        admin.setUpRetention();

        node.on('close', (_removed: boolean, done: () => void) => {
            admin.close();
            done();
        });
    }

    /** The options https takes from the tls-config node `id`; a ConfigError when there is no such node or it could not read its files. */
    function tlsOptionsOf(id: string): https.RequestOptions {
        const tlsConfig = RED.nodes.getNode(id) as TlsConfigNode | null;
        if (tlsConfig === null || tlsConfig.type !== 'tls-config') throw new ConfigError('influx-server.errors.tlsConfig', 'tlsConfig', id);
        // Without its files it would still give rejectUnauthorized, and every request would fail on the certificate instead.
        if (!tlsConfig.valid) throw new ConfigError('influx-server.errors.tlsConfigInvalid', 'tlsConfig', id);
        return tlsConfig.addTLSOptions({});
    }

    function messageOf(err: Error): string {
        return err instanceof InfluxAdminError ? `${err.server}: ${failureOf(err)}` : err.message;
    }

    /** Why a statement got no answer, plain words first, then InfluxDB's or Node.js's; the statement when the answer is about it. */
    function failureOf({ failure, detail, statement }: InfluxAdminError): string {
        switch (failure.reason) {
            case 'tls':
                return `${RED._(TLS_PROBLEM_KEYS[failure.problem])} (${detail})`;
            case 'unreachable':
                return `${RED._('influx-server.errors.unreachable')} (${detail})`;
            case 'timeout':
                return RED._('influx-server.errors.timeout', { seconds: failure.ms / 1000 });
            case 'status':
                if (failure.status === 401) {
                    const key = failure.credentials ? 'influx-server.errors.credentialsRefused' : 'influx-server.errors.credentialsNeeded';
                    return `${RED._(key)} (${detail})`;
                }
                if (failure.status === 403) return `${RED._('influx-server.errors.forbidden')} (${detail}) (${statement})`;
                return `${RED._('influx-server.errors.unexpectedStatus')} (${detail}) (${statement})`;
            case 'server error':
                return `${RED._('influx-server.errors.serverError')} (${detail}) (${statement})`;
            case 'unreadable':
                return `${RED._('influx-server.errors.unreadable')} (${detail}) (${statement})`;
            case 'influxql':
                return `${detail} (${statement})`;
        }
    }

    RED.nodes.registerType<InfluxServer, InfluxServerDef, unknown, InfluxServerCredentials>('influx-server', InfluxServerNode, {
        credentials: {
            username: { type: 'text' },
            password: { type: 'password' },
        },
        settings: { influxServerLimits: { value: INFLUX_SERVER_LIMITS, exportable: true } },
    });
};
