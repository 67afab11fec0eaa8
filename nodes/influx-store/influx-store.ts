/**
 * `influx-store`: stores the points its messages carry in InfluxDB, losing none. Messages become
 * points (message-points.ts), points become line protocol (lib/store/line-protocol), and
 * lib/store/influx-writer batches them to InfluxDB through an on-disk spool in the userDir
 * (lib/store/spool) whenever InfluxDB cannot take them. This file maps the node's properties,
 * messages, errors, status and close onto those.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { batchEnds, FieldTypes, PointEncoder, whyLeftOut, type FieldType, type LeftOut, type Point } from '../../lib/store/line-protocol';
import {
    InfluxWriteError,
    InfluxWriter,
    type DrainedSpool,
    type LostValue,
    type RejectedLine,
    type WrittenBatch,
} from '../../lib/store/influx-writer';
import { Spool, SpoolFullError } from '../../lib/store/spool';
import type { InfluxServer } from '../influx-server/config';
import { refuseToRun, settingsOrRefuse } from '../shared/bad-config';
import { ConfigError } from '../shared/config-error';
import { configNodeOf } from '../shared/config-node';
import { RateLimitedErrors } from '../shared/rate-limited-errors';
import { TrailingThrottle } from '../shared/status-throttle';
import { userDirPath } from '../shared/user-dir';
import { INFLUX_STORE_LIMITS, parseInfluxStore, type InfluxStoreProperties } from './config';
import { MessagePoints, messagePropertyReader, type MessagePropertyReader } from './message-points';
import { describeCause, describeProblem } from './problems';
import { storeStatus } from './status';

type InfluxStoreDef = NodeDef & InfluxStoreProperties;

/** A field losing values is reported at most this often (each report counts the values lost meanwhile). */
const LOST_VALUE_REPORT_EVERY_MS = 60_000;

/** The locale key of each reason a field is left out of a point, but a type conflict (a lost value, reported on its own). */
const LEFT_OUT_KEYS: Record<Exclude<LeftOut['reason'], 'type'>, string> = {
    name: 'influx-store.dropped.name',
    null: 'influx-store.dropped.null',
    'not finite': 'influx-store.dropped.notFinite',
    nested: 'influx-store.dropped.nested',
    unsupported: 'influx-store.dropped.unsupported',
};

export = function (RED: NodeAPI) {
    function InfluxStoreNode(this: Node, def: InfluxStoreDef) {
        RED.nodes.createNode(this, def);
        const node = this;

        /** A reader of the message property `expression` (the node's property `property`): a ConfigError when it is not one. */
        function readerOf(expression: string, property: string): MessagePropertyReader {
            try {
                return messagePropertyReader(expression, (path) => RED.util.normalisePropertyExpression(path));
            } catch {
                throw new ConfigError('influx-store.errors.property', property, expression);
            }
        }

        const configured = settingsOrRefuse(RED, node, def, (config) => {
            const settings = parseInfluxStore(config);
            return {
                server: configNodeOf<InfluxServer>(RED, 'influx-store', 'server', config.server, 'influx-server'),
                settings,
                readFields: readerOf(settings.fieldsProperty, 'fieldsProperty'),
                readTags: readerOf(settings.tagsProperty, 'tagsProperty'),
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
            refuseToRun(
                RED,
                node,
                new ConfigError('influx-store.errors.spool', 'spool', spoolDir, { dir: spoolDir, error: (err as Error).message }),
            );
            return;
        }
        if (spool.truncatedBytes > 0)
            node.warn(RED._('influx-store.errors.spoolTruncated', { dir: spoolDir, bytes: spool.truncatedBytes }));
        if (spool.points > 0) node.log(RED._('influx-store.log.spoolFound', { points: spool.points, dir: spoolDir }));

        const fieldTypes = new FieldTypes();
        const precision = settings.precision;
        const encoder = new PointEncoder(precision, fieldTypes, settings.numbers, settings.integerFields);
        const messagePoints = new MessagePoints({ measurement: settings.measurement, topicTag: settings.topicTag, readFields, readTags });
        const writer = new InfluxWriter({
            ...admin.connection,
            precision,
            batchSize: settings.batchSize,
            flushIntervalMs: settings.flushIntervalMs,
            spool,
            fieldTypes,
        });

        /** Field values left out of points (non-finite numbers, null, objects, names InfluxDB cannot take). */
        let droppedFields = 0;
        /** Values InfluxDB cannot store in their field (another type, without an exact equivalent): data lost. */
        let lostValues = 0;
        const lostReports = new RateLimitedErrors(LOST_VALUE_REPORT_EVERY_MS);
        /** Points no message could make (no fields, no measurement, a bad time or name). */
        let invalidPoints = 0;
        const warnedFields = new Set<string>();
        /** The last point was refused for a full spool; cleared by the next one accepted, or once InfluxDB takes points again. */
        let refusing = false;
        let seeded = false;

        let closing = false;
        const status = new TrailingThrottle(() =>
            node.status(storeStatus(writer.stats, { invalidPoints, droppedFields, lostValues, refusing }, RED._)),
        );

        function showStatus(): void {
            // The writer reports once more while closing: no timer may outlive the node.
            if (!closing) status.request();
        }

        function seedFieldTypes(): void {
            seeded = true;
            admin.fieldKeys().then(
                (series) => fieldTypes.seed(series),
                () => {
                    // InfluxDB is not answering yet: the next batch it takes tries again.
                    seeded = false;
                },
            );
        }

        writer.on('stats', showStatus);
        writer.on('written', (batch: WrittenBatch) => {
            if (!seeded) seedFieldTypes();
            // InfluxDB takes points again: the spool has room for new ones.
            refusing = false;
            if (!batch.replayed) return;
            node.trace(RED._('influx-store.log.replayedBatch', { points: batch.points, ...batchEnds(batch.bytes) }));
        });
        writer.on('drained', (drained: DrainedSpool) => {
            node.log(RED._('influx-store.log.spoolEmptied', { points: drained.points }));
            // The continuous queries ran before these points arrived: roll them up now.
            if (admin.managesRetention && drained.from <= drained.to) {
                admin
                    .rollUp(drained.from, drained.to)
                    .catch((err: Error) => node.warn(RED._('influx-store.errors.rollUp', { error: server.messageOf(err) })));
            }
        });
        writer.on('spooled', (batch) => {
            // Once per outage: the batches that follow it are in the same spool for the same reason.
            if (spool.batches === 1)
                node.warn(
                    RED._('influx-store.log.spooling', { points: batch.points, reason: describeCause(batch.cause, RED._), dir: spoolDir }),
                );
        });
        writer.on('rejected', (rejected: RejectedLine) => {
            const message: NodeMessage = { payload: rejected.line, statusCode: rejected.status, influxError: rejected.message };
            node.error(
                RED._('influx-store.errors.rejected', { status: rejected.status, error: rejected.message, line: rejected.line }),
                message,
            );
        });
        writer.on('lost', (lost: LostValue) => reportLost(lost.measurement, lost.field, lost.value, lost.held));
        writer.on('error', (err: Error) => {
            if (err instanceof SpoolFullError) refusing = true;
            const text =
                err instanceof InfluxWriteError
                    ? RED._('influx-store.errors.misconfigured', { problem: describeProblem(err.problem, RED._) })
                    : err.message;
            // No input message caused it: a Catch node gets one saying where the store stands.
            const { problem, ...stats } = writer.stats;
            const message: NodeMessage = {
                topic: 'influx-store',
                payload: problem === undefined ? stats : { ...stats, lastError: describeProblem(problem, RED._) },
                influxError: text,
            };
            node.error(text, message);
            showStatus();
        });

        seedFieldTypes();
        showStatus();

        /** Encodes and queues one point of the message being handled; why it was not, if it was not. */
        function store(point: Point): string | undefined {
            const refusal = encoder.encode(writer.lines, point);
            if (encoder.dropped.length > 0) noteDropped(point, encoder.dropped);
            if (refusal !== undefined) {
                invalidPoints++;
                return refusal;
            }
            try {
                writer.endLine();
            } catch (err) {
                if (!(err instanceof SpoolFullError)) throw err;
                refusing = true;
                return err.message;
            }
            if (refusing) {
                refusing = false;
                showStatus();
            }
            return undefined;
        }

        function noteDropped(point: Point, dropped: readonly string[]): void {
            for (const field of dropped) {
                const why = whyLeftOut(point, field, fieldTypes);
                if (why.reason === 'type') {
                    const value = point.fields[field];
                    reportLost(point.measurement, field, typeof value === 'string' ? JSON.stringify(value) : String(value), why.held);
                    continue;
                }
                droppedFields++;
                if (warnedFields.has(field)) continue;
                warnedFields.add(field);
                const reason = RED._(
                    LEFT_OUT_KEYS[why.reason],
                    why.reason === 'not finite' ? { value: String(why.value) } : why.reason === 'unsupported' ? { type: why.type } : {},
                );
                node.warn(RED._('influx-store.errors.droppedField', { field, measurement: point.measurement, reason }));
            }
            showStatus();
        }

        /** A value InfluxDB cannot store in its field: data lost, a catchable error (at most one per field and minute), counted. */
        function reportLost(measurement: string, field: string, value: string, held: FieldType): void {
            lostValues++;
            showStatus();
            lostReports.fail(`${measurement}\n${field}`, Date.now(), ({ unreported }) => {
                const values = { measurement, field, value, type: held, more: unreported };
                const text = RED._(unreported === 0 ? 'influx-store.errors.valueLost' : 'influx-store.errors.valuesLost', values);
                node.error(text, {
                    topic: 'influx-store',
                    payload: { measurement, field, value, fieldType: held, lostSinceLastReport: unreported },
                });
            });
        }

        node.on('input', (msg: NodeMessageInFlow, _send, done) => {
            // A point without msg.timestamp is stamped now, as the message is handled, never with the write time.
            const unstored = messagePoints.read(msg, store);
            if (unstored === undefined) {
                done();
                return;
            }
            // Those refused for a full spool are the writer's to count.
            invalidPoints += unstored.invalid;
            showStatus();
            const [first] = unstored.failures;
            const reason = first.index < 0 ? first.reason : `[${first.index}] ${first.reason}`;
            const key = unstored.points === 1 ? 'influx-store.errors.pointNotStored' : 'influx-store.errors.pointsNotStored';
            done(new Error(RED._(key, { count: unstored.failures.length, total: unstored.points, reason })));
        });

        node.on('close', (removed: boolean, done: () => void) => {
            closing = true;
            status.cancel();
            writer
                .close()
                .then(() => {
                    if (removed && spool.points > 0)
                        node.warn(RED._('influx-store.log.spoolLeft', { points: spool.points, dir: spoolDir }));
                    return spool.close();
                })
                .catch((err: Error) => node.error(RED._('influx-store.errors.close', { error: err.message })))
                .finally(done);
        });
    }

    RED.nodes.registerType('influx-store', InfluxStoreNode, {
        settings: { influxStoreLimits: { value: INFLUX_STORE_LIMITS, exportable: true } },
    });
};
