/**
 * `influx-history`: on a message naming a range (day, week, month, year), reads a meter's history
 * from InfluxDB at the resolution that range needs and sends it as a whole ui_chart payload; in
 * the `samples` output, one field at a fixed interval as an array of { timestamp, value }, for a
 * node that replays it (holt-winters' warm start). The views, the choice of policy, the query and
 * the chart live in lib/store/history-query; this file maps the node's properties, messages,
 * errors and status onto them.
 */
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import {
    chartOf,
    HistoryRequestError,
    isHistoryRange,
    planHistory,
    planSamples,
    samplesOf,
    type AvailablePolicies,
    type HistoryRange,
    type HistorySource,
} from '../../lib/store/history-query';
import type { InfluxServer } from '../influx-server/config';
import { settingsOrRefuse } from '../shared/bad-config';
import { configNodeOf } from '../shared/config-node';
import { ENERGY_SCALE, INFLUX_HISTORY_LIMITS, parseInfluxHistory, type InfluxHistoryProperties } from './config';

type InfluxHistoryDef = NodeDef & InfluxHistoryProperties;

export = function (RED: NodeAPI) {
    function InfluxHistoryNode(this: Node, def: InfluxHistoryDef) {
        RED.nodes.createNode(this, def);
        const node = this;

        const configured = settingsOrRefuse(RED, node, def, (config) => ({
            server: configNodeOf<InfluxServer>(RED, 'influx-history', 'server', config.server, 'influx-server'),
            settings: parseInfluxHistory(config),
        }));
        if (configured === undefined) return;
        const { server, settings } = configured;
        const admin = server.admin;

        node.status({});

        node.on('input', (msg: NodeMessageInFlow, send, done) => {
            const fail = (err: Error): void => {
                const message =
                    err instanceof HistoryRequestError
                        ? RED._(`influx-history.errors.${err.reason}`, { value: JSON.stringify(err.value) })
                        : server.messageOf(err);
                node.status({
                    fill: 'red',
                    shape: 'ring',
                    text: err instanceof HistoryRequestError ? message : RED._('influx-history.status.failed'),
                });
                done(new Error(message));
            };
            const requested: unknown = msg.range ?? RED.util.getMessageProperty(msg, settings.rangeProperty);
            const range: unknown = typeof requested === 'string' ? requested.trim().toLowerCase() : requested;
            const end = endOf(msg.end);
            const meter = typeof msg.meter === 'string' ? msg.meter : settings.meter;
            const query = (
                label: string,
                answer: (available: AvailablePolicies) => Promise<{ source: HistorySource; rows: number }>,
            ): void => {
                node.status({ fill: 'yellow', shape: 'dot', text: RED._('influx-history.status.querying', { range: label }) });
                admin
                    .availablePolicies()
                    .then(answer)
                    .then(({ source, rows }) => {
                        node.status({
                            fill: 'green',
                            shape: 'dot',
                            text: RED._('influx-history.status.done', { range: label, source, rows }),
                        });
                        send(msg);
                        done();
                    })
                    .catch(fail);
            };

            if (settings.output === 'samples') {
                const days = daysOf(msg.days ?? range);
                if (days === undefined) {
                    fail(new HistoryRequestError('days', msg.days ?? requested));
                    return;
                }
                query(RED._('influx-history.range.days', { days }), async (available) => {
                    const plan = planSamples({
                        days,
                        end,
                        interval: settings.interval * 1000,
                        measurement: settings.measurement,
                        meterTag: settings.meterTag,
                        meter,
                        field: settings.fields[0],
                        available,
                        energyScale: ENERGY_SCALE[settings.energyUnit],
                    });
                    const [result] = await admin.execute(plan.query);
                    const rows = result?.series?.[0]?.values ?? [];
                    msg.topic = meter;
                    msg.payload = samplesOf(plan, rows);
                    msg.history = {
                        days,
                        start: plan.bounds[0],
                        end: plan.bounds[plan.bounds.length - 1],
                        interval: settings.interval,
                        field: plan.field.name,
                        source: plan.source,
                        energyUnit: settings.energyUnit,
                        query: plan.query,
                    };
                    return { source: plan.source, rows: rows.length };
                });
                return;
            }

            if (!isHistoryRange(range)) {
                fail(new HistoryRequestError('range', requested));
                return;
            }
            query(RED._(`influx-history.range.${range}`), async (available) => {
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
                const [result] = await admin.execute(plan.query);
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
                return { source: plan.source, rows: rows.length };
            });
        });
    }

    RED.nodes.registerType('influx-history', InfluxHistoryNode, {
        settings: { influxHistoryLimits: { value: INFLUX_HISTORY_LIMITS, exportable: true } },
    });
};

/** The days a named range spans when read as samples: a month as its chart shows it, a year of 365 days. */
const DAYS_OF_RANGE: Record<HistoryRange, number> = { day: 1, week: 7, month: 31, year: 365 };

/** A range for the samples: a named range or a number of days (above 0); undefined when neither. */
function daysOf(value: unknown): number | undefined {
    if (isHistoryRange(value)) return DAYS_OF_RANGE[value];
    const days = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
    return typeof days === 'number' && days > 0 && Number.isFinite(days) ? days : undefined;
}

/** msg.end as ms since the epoch: a number, a Date or a date string; now when absent, NaN when unreadable. */
function endOf(value: unknown): number {
    if (value === undefined || value === null || value === '') return Date.now();
    if (typeof value === 'number') return value;
    if (value instanceof Date) return value.getTime();
    if (typeof value === 'string') return Date.parse(value);
    return NaN;
}
