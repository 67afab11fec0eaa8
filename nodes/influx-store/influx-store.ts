/**
 * `influx-store`: stores the points its messages carry in InfluxDB, losing none. Messages become
 * points (message-points.ts), points become line protocol (lib/store/line-protocol), and
 * lib/store/influx-writer batches them to InfluxDB through an on-disk spool in the userDir
 * (lib/store/spool) whenever InfluxDB cannot take them. This file maps the node's properties,
 * messages, errors, status and close onto those.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { FieldTypes, PointEncoder, timeSpanOfLines, type Point } from '../../lib/store/line-protocol';
import { InfluxWriter, type RejectedLine, type WrittenBatch } from '../../lib/store/influx-writer';
import { Spool, SpoolFullError } from '../../lib/store/spool';
import type { InfluxServer } from '../influx-server/config';
import { refuseToRun, settingsOrRefuse } from '../shared/bad-config';
import { ConfigError } from '../shared/config-error';
import { configNodeOf } from '../shared/config-node';
import { userDirPath } from '../shared/user-dir';
import { parseInfluxStore, type InfluxStoreProperties } from './config';
import { MessagePoints } from './message-points';

type InfluxStoreDef = NodeDef & InfluxStoreProperties;

/** Status is redrawn at most this often: a fast input stream must not flood the editor. */
const STATUS_EVERY_MS = 1000;

export = function (RED: NodeAPI) {
    function InfluxStoreNode(this: Node, def: InfluxStoreDef) {
        RED.nodes.createNode(this, def);
        const node = this;

        const configured = settingsOrRefuse(RED, node, def, (config) => {
            const settings = parseInfluxStore(config);
            return {
                server: configNodeOf<InfluxServer>(RED, 'influx-store', 'server', config.server, 'influx-server'),
                settings,
                readFields: propertyReader(settings.fieldsProperty, 'fieldsProperty'),
                readTags: propertyReader(settings.tagsProperty, 'tagsProperty'),
            };
        });
        if (configured === undefined) return;
        const { server, settings, readFields, readTags } = configured;
        const admin = server.admin;

        let spool: Spool;
        const spoolDir = userDirPath(RED, 'energy-spool', node.id);
        try {
            spool = new Spool(spoolDir, { maxBytes: settings.spoolMaxBytes });
        } catch (err) {
            refuseToRun(RED, node, new ConfigError('influx-store.errors.spool', 'spool', spoolDir, { dir: spoolDir, error: (err as Error).message }));
            return;
        }
        if (spool.truncatedBytes > 0) node.warn(RED._('influx-store.errors.spoolTruncated', { dir: spoolDir, bytes: spool.truncatedBytes }));
        if (spool.points > 0) node.log(RED._('influx-store.log.spoolFound', { points: spool.points, dir: spoolDir }));

        const fieldTypes = new FieldTypes();
        const precision = settings.precision;
        const encoder = new PointEncoder(precision, fieldTypes, settings.numbers);
        const messagePoints = new MessagePoints({ measurement: settings.measurement, topicTag: settings.topicTag, readFields, readTags });
        const writer = new InfluxWriter({
            ...admin.connection,
            precision,
            batchSize: settings.batchSize,
            flushIntervalMs: settings.flushIntervalMs,
            spool,
        });

        /** Field values left out of points (non-finite numbers, null, objects, a type InfluxDB holds otherwise). */
        let droppedFields = 0;
        /** Points no message could make (no fields, no measurement, a bad time or name). */
        let invalidPoints = 0;
        const warnedFields = new Set<string>();
        /** The last point was refused for a full spool; cleared by the next one accepted, or once InfluxDB takes points again. */
        let refusing = false;
        /** Points replayed from the spool since it last started filling, and the span of their times (ms). */
        let replayedPoints = 0;
        let replayedFrom = Infinity;
        let replayedTo = -Infinity;
        let seeded = false;

        let lastStatusAt = -Infinity;
        let statusTimer: NodeJS.Timeout | undefined;
        let closing = false;

        function showStatus(): void {
            // The writer reports once more while closing: no timer may outlive the node.
            if (closing) return;
            const now = Date.now();
            if (now - lastStatusAt < STATUS_EVERY_MS) {
                // Drawn later rather than dropped, so the status never stays behind the counters.
                statusTimer ??= setTimeout(() => {
                    statusTimer = undefined;
                    showStatus();
                }, STATUS_EVERY_MS - (now - lastStatusAt));
                return;
            }
            clearTimeout(statusTimer);
            statusTimer = undefined;
            lastStatusAt = now;
            const stats = writer.stats;
            const counters = RED._('influx-store.status.counters', {
                queued: stats.queued,
                written: stats.written,
                spooled: stats.spooled,
                failed: stats.failed + invalidPoints,
            }) + (stats.refused > 0 ? RED._('influx-store.status.refused', { refused: stats.refused }) : '')
                + (droppedFields > 0 ? RED._('influx-store.status.dropped', { dropped: droppedFields }) : '');
            if (refusing) node.status({ fill: 'red', shape: 'ring', text: `${RED._('influx-store.status.spoolFull')} · ${counters}` });
            else if (stats.state === 'misconfigured') node.status({ fill: 'red', shape: 'ring', text: `${RED._('influx-store.status.misconfigured')} · ${counters}` });
            else if (stats.state === 'retrying' || stats.spooled > 0) node.status({ fill: 'yellow', shape: 'ring', text: counters });
            else node.status({ fill: 'green', shape: 'dot', text: counters });
        }

        function seedFieldTypes(): void {
            seeded = true;
            admin.fieldKeys().then((series) => fieldTypes.seed(series), () => {
                // InfluxDB is not answering yet: the next batch it takes tries again.
                seeded = false;
            });
        }

        writer.on('stats', showStatus);
        writer.on('written', (batch: WrittenBatch) => {
            if (!seeded) seedFieldTypes();
            // InfluxDB takes points again: the spool has room for new ones.
            refusing = false;
            if (!batch.replayed) return;
            replayedPoints += batch.points;
            const text = batch.bytes.toString('utf8');
            node.trace(RED._('influx-store.log.replayedBatch', { points: batch.points, first: firstLine(text), last: lastLine(text) }));
            if (admin.managesRetention) {
                const span = timeSpanOfLines(text, precision);
                if (span !== undefined) {
                    replayedFrom = Math.min(replayedFrom, span.from);
                    replayedTo = Math.max(replayedTo, span.to);
                }
            }
            if (spool.batches > 0) return;
            node.log(RED._('influx-store.log.spoolEmptied', { points: replayedPoints }));
            // The continuous queries ran before these points arrived: roll them up now.
            if (replayedFrom <= replayedTo) {
                admin.rollUp(replayedFrom, replayedTo).catch((err: Error) => node.warn(RED._('influx-store.errors.rollUp', { error: server.messageOf(err) })));
            }
            replayedPoints = 0;
            replayedFrom = Infinity;
            replayedTo = -Infinity;
        });
        writer.on('spooled', (batch) => {
            // Once per outage: the batches that follow it are in the same spool for the same reason.
            if (spool.batches === 1) node.warn(RED._('influx-store.log.spooling', { points: batch.points, reason: batch.reason, dir: spoolDir }));
        });
        writer.on('rejected', (rejected: RejectedLine) => {
            fieldTypes.learnFromConflict(rejected.message);
            const message: NodeMessage = { payload: rejected.line, statusCode: rejected.status, influxError: rejected.message };
            node.error(RED._('influx-store.errors.rejected', { status: rejected.status, error: rejected.message, line: rejected.line }), message);
        });
        writer.on('error', (err: Error) => {
            if (err instanceof SpoolFullError) refusing = true;
            // No input message caused it: a Catch node gets one saying where the store stands.
            const message: NodeMessage = { topic: 'influx-store', payload: writer.stats, influxError: err.message };
            node.error(err.message, message);
            showStatus();
        });

        seedFieldTypes();
        showStatus();

        /** Why points of the message being handled were not stored; undefined while all were. */
        let failures: string[] | undefined;

        /** Encodes and queues one point of the message being handled. */
        function store(point: Point): void {
            const refusal = encoder.encode(writer.lines, point);
            if (encoder.dropped.length > 0) noteDropped(point, encoder.dropped);
            if (refusal !== undefined) {
                invalidPoints++;
                showStatus();
                (failures ??= []).push(refusal);
                return;
            }
            try {
                writer.endLine();
            } catch (err) {
                if (!(err instanceof SpoolFullError)) throw err;
                refusing = true;
                showStatus();
                (failures ??= []).push(err.message);
                return;
            }
            if (refusing) {
                refusing = false;
                showStatus();
            }
        }

        function notAPoint(reason: string, index: number): void {
            invalidPoints++;
            (failures ??= []).push(index < 0 ? reason : `[${index}] ${reason}`);
        }

        function noteDropped(point: Point, dropped: readonly string[]): void {
            droppedFields += dropped.length;
            for (const field of dropped) {
                if (warnedFields.has(field)) continue;
                warnedFields.add(field);
                node.warn(RED._('influx-store.errors.droppedField', { field, measurement: point.measurement, reason: whyDropped(point, field) }));
            }
            showStatus();
        }

        function whyDropped(point: Point, field: string): string {
            const value = point.fields[field];
            if (value === null || value === undefined) return RED._('influx-store.dropped.null');
            if (typeof value === 'number' && !Number.isFinite(value)) return RED._('influx-store.dropped.notFinite', { value: String(value) });
            if (typeof value === 'object') return RED._('influx-store.dropped.nested');
            const held = fieldTypes.get(point.measurement, field);
            return held === undefined ? RED._('influx-store.dropped.name') : RED._('influx-store.dropped.type', { type: held });
        }

        node.on('input', (msg: NodeMessageInFlow, _send, done) => {
            failures = undefined;
            // A point without msg.timestamp is stamped now, as the message is handled, never with the write time.
            const count = messagePoints.read(msg, store, notAPoint);
            // Filled by store() and notAPoint() during read(), which TypeScript's narrowing cannot see.
            const failed = failures as string[] | undefined;
            if (failed === undefined) {
                done();
                return;
            }
            showStatus();
            const key = count === 1 ? 'influx-store.errors.pointNotStored' : 'influx-store.errors.pointsNotStored';
            done(new Error(RED._(key, { count: failed.length, total: count, reason: failed[0] })));
        });

        node.on('close', (removed: boolean, done: () => void) => {
            closing = true;
            clearTimeout(statusTimer);
            writer.close()
                .then(() => {
                    if (removed && spool.points > 0) node.warn(RED._('influx-store.log.spoolLeft', { points: spool.points, dir: spoolDir }));
                    return spool.close();
                })
                .catch((err: Error) => node.error(RED._('influx-store.errors.close', { error: err.message })))
                .finally(done);
        });

        function propertyReader(expression: string, property: string): (msg: Record<string, unknown>) => unknown {
            let segments: (string | number)[];
            try {
                segments = RED.util.normalisePropertyExpression(expression);
            } catch {
                throw new ConfigError('influx-store.errors.property', property, expression);
            }
            if (segments.length === 1) {
                const key = segments[0];
                return (msg) => msg[key];
            }
            return (msg) => {
                let value: unknown = msg;
                for (const segment of segments) {
                    if (typeof value !== 'object' || value === null) return undefined;
                    value = (value as Record<string | number, unknown>)[segment];
                }
                return value;
            };
        }
    }

    RED.nodes.registerType('influx-store', InfluxStoreNode);
};

function firstLine(text: string): string {
    const end = text.indexOf('\n');
    return end < 0 ? text : text.slice(0, end);
}

function lastLine(text: string): string {
    return text.slice(text.lastIndexOf('\n') + 1);
}
