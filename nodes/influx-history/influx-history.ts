/**
 * `influx-history`: on a message naming a range (day, week, month, year), reads a meter's history
 * from InfluxDB at the resolution that range needs and sends it as a whole ui_chart payload. The
 * views, the choice of policy, the query and the chart live in lib/store/history-query; this file
 * maps the node's properties, messages, errors and status onto them.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { chartOf, HistoryRequestError, isHistoryRange, planHistory } from '../../lib/store/history-query';
import type { InfluxServer } from '../influx-server/config';
import { ConfigError, ENERGY_SCALE, parseInfluxHistory, type InfluxHistoryProperties, type InfluxHistorySettings } from './config';

type InfluxHistoryDef = NodeDef & InfluxHistoryProperties;

export = function (RED: NodeAPI) {
    function InfluxHistoryNode(this: Node, def: InfluxHistoryDef) {
        RED.nodes.createNode(this, def);
        const node = this;

        let server: InfluxServer;
        let settings: InfluxHistorySettings;
        try {
            server = RED.nodes.getNode(def.server ?? '') as InfluxServer;
            if (server === null) throw new ConfigError('influx-history.errors.server', 'server', def.server);
            if (server.settings === undefined) throw new ConfigError('influx-history.errors.serverSettings', 'server', server.configError);
            settings = parseInfluxHistory(def);
        } catch (err) {
            if (!(err instanceof ConfigError)) throw err;
            const reason = RED._(err.key, { value: String(err.value) });
            node.status({ fill: 'red', shape: 'ring', text: reason });
            node.error(`${reason} (${err.property}: ${JSON.stringify(err.value)})`);
            node.on('input', (_msg: NodeMessageInFlow, _send, done) => done(new Error(reason)));
            return;
        }

        node.status({});

        node.on('input', (msg: NodeMessageInFlow, send, done) => {
            const fail = (err: Error): void => {
                const message = err instanceof HistoryRequestError ? RED._(`influx-history.errors.${err.reason}`, { value: JSON.stringify(err.value) }) : err.message;
                node.status({ fill: 'red', shape: 'ring', text: err instanceof HistoryRequestError ? message : RED._('influx-history.status.failed') });
                done(new Error(message));
            };
            const requested = msg.range ?? RED.util.getMessageProperty(msg, settings.rangeProperty);
            const range = typeof requested === 'string' ? requested.trim().toLowerCase() : requested;
            const end = endOf(msg.end);
            const meter = typeof msg.meter === 'string' ? msg.meter : settings.meter;
            if (!isHistoryRange(range)) {
                fail(new HistoryRequestError('range', requested));
                return;
            }
            node.status({ fill: 'yellow', shape: 'dot', text: RED._('influx-history.status.querying', { range: RED._(`influx-history.range.${range}`) }) });
            server.availablePolicies()
                .then(async (available) => {
                    const plan = planHistory({
                        range,
                        end,
                        timeZone: settings.timeZone,
                        measurement: settings.measurement,
                        meterTag: settings.meterTag,
                        meter,
                        fields: settings.fields,
                        available,
                        energyScale: ENERGY_SCALE[settings.energyUnit],
                    });
                    const [result] = await server.execute(plan.query);
                    const rows = result?.series?.[0]?.values ?? [];
                    msg.payload = chartOf(plan, rows);
                    msg.history = {
                        range,
                        start: plan.bounds[0],
                        end: plan.bounds[plan.bounds.length - 1],
                        interval: plan.range === 'year' ? 'month' : plan.bucket,
                        source: plan.source,
                        energyUnit: settings.energyUnit,
                        query: plan.query,
                    };
                    node.status({
                        fill: 'green',
                        shape: 'dot',
                        text: RED._('influx-history.status.done', { range: RED._(`influx-history.range.${range}`), source: plan.source, rows: rows.length }),
                    });
                    send(msg);
                    done();
                })
                .catch(fail);
        });
    }

    RED.nodes.registerType('influx-history', InfluxHistoryNode);
};

/** msg.end as ms since the epoch: a number, a Date or a date string; now when absent, NaN when unreadable. */
function endOf(value: unknown): number {
    if (value === undefined || value === null || value === '') return Date.now();
    if (typeof value === 'number') return value;
    if (value instanceof Date) return value.getTime();
    if (typeof value === 'string') return Date.parse(value);
    return NaN;
}
