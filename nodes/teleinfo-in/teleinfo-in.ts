/**
 * `teleinfo-in`: reads one Enedis Téléinfo meter from a serial port, a raw TCP bridge or the bytes
 * of incoming messages, and sends one message per complete frame. The protocol lives in
 * lib/teleinfo; this file maps the node's properties, messages and status onto it.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { TeleinfoSession, type TeleinfoOutput } from '../../lib/teleinfo/session';
import type { TicReading } from '../../lib/teleinfo/reading';
import type { ReconnectingByteSource, SourceState } from '../../lib/transport/byte-source';
import { SerialByteSource } from '../../lib/transport/serial';
import { TcpByteSource } from '../../lib/transport/tcp';
import { listSerialPorts } from '../../lib/transport/serial-ports';
import { parseTeleinfoIn, TELEINFO_IN_LIMITS, type TeleinfoInProperties } from './config';
import { settingsOrRefuse } from '../shared/bad-config';
import { readingStatus } from './status';
import { RateLimitedErrors } from '../shared/rate-limited-errors';
import { TrailingThrottle } from '../shared/status-throttle';

type TeleinfoInDef = NodeDef & TeleinfoInProperties;

/** One catchable error per kind of device failure per interval (the status always shows the latest). */
const DEVICE_ERROR_EVERY_MS = 60_000;

export = function (RED: NodeAPI) {
    function TeleinfoInNode(this: Node, def: TeleinfoInDef) {
        RED.nodes.createNode(this, def);
        const node = this;

        const settings = settingsOrRefuse(RED, node, def, parseTeleinfoIn);
        if (settings === undefined) return;

        const deviceName =
            settings.source.kind === 'serial'
                ? settings.source.path
                : settings.source.kind === 'tcp'
                  ? `${settings.source.host}:${settings.source.port}`
                  : 'input';
        let pendingSend: (msg: NodeMessage) => void = (msg) => node.send(msg);
        let lastFrameHadDrops = false;

        const session = new TeleinfoSession({
            mode: settings.mode,
            output: settings.output,
            intervalMs: settings.intervalMs,
            baud: settings.source.kind === 'serial' ? settings.source.baud : undefined,
            now: Date.now(),
            onReading: (reading) => {
                pendingSend(toMessage(reading));
                status.request();
            },
            onDroppedGroups: (reading) => {
                lastFrameHadDrops = true;
                // Catchable: a Catch node receives the frame's message with the dropped labels.
                node.error(
                    RED._('teleinfo-in.errors.droppedGroups', { meter: reading.topic || deviceName, labels: reading.invalid.join(', ') }),
                    { ...toMessage(reading) },
                );
            },
            onModeChange: () => status.request(true),
        });

        // The session's callbacks use it; they only run once bytes arrive, after this line.
        const status = new TrailingThrottle(showReading);

        function showReading(): void {
            node.status(readingStatus({ mode: session.mode, baud: session.baud, counters: session.counters, lastFrameHadDrops }, RED._));
            lastFrameHadDrops = false;
        }

        if (settings.source.kind === 'input') {
            node.status({ fill: 'grey', shape: 'ring', text: RED._('teleinfo-in.status.waitingInput') });
            node.on('close', () => status.cancel());
            node.on('input', (msg: NodeMessageInFlow, send, done) => {
                const payload = msg.payload;
                const chunk = Buffer.isBuffer(payload) ? payload : typeof payload === 'string' ? Buffer.from(payload, 'latin1') : undefined;
                if (chunk === undefined) {
                    node.status({ fill: 'red', shape: 'ring', text: RED._('teleinfo-in.status.badInput') });
                    done(new Error(RED._('teleinfo-in.errors.payloadType', { type: typeof payload })));
                    return;
                }
                pendingSend = (out) => send(out);
                try {
                    session.push(chunk, Date.now());
                } finally {
                    pendingSend = (out) => node.send(out);
                }
                done();
            });
            return;
        }

        const source: ReconnectingByteSource =
            settings.source.kind === 'serial'
                ? new SerialByteSource({ path: settings.source.path, baudRate: session.baud ?? 1200 })
                : new TcpByteSource({ host: settings.source.host, port: settings.source.port });

        const deviceErrors = new RateLimitedErrors(DEVICE_ERROR_EVERY_MS);
        source.on('data', (chunk) => {
            const nextBaud = session.push(chunk, Date.now());
            if (nextBaud !== undefined && source instanceof SerialByteSource) {
                status.request(true);
                source
                    .setBaudRate(nextBaud)
                    .catch((err: Error) => node.error(RED._('teleinfo-in.errors.device', { device: deviceName, error: err.message }), {}));
            }
        });
        source.on('state', (state: SourceState) => {
            switch (state.state) {
                case 'connecting':
                    node.status({ fill: 'yellow', shape: 'ring', text: RED._('teleinfo-in.status.connecting', { device: deviceName }) });
                    break;
                case 'open':
                    session.reset();
                    status.request(true);
                    break;
                case 'retrying': {
                    const seconds = Math.round(state.retryInMs / 1000);
                    node.status({
                        fill: 'red',
                        shape: 'ring',
                        text: RED._('teleinfo-in.status.retrying', { error: state.error.message, seconds }),
                    });
                    // A meter unplugged for a night fails every few seconds: reported once a minute, all counted.
                    deviceErrors.fail(state.error.message, Date.now(), ({ unreported }) => {
                        const text = RED._('teleinfo-in.errors.device', { device: deviceName, error: state.error.message });
                        node.error(unreported === 0 ? text : `${text} ${RED._('teleinfo-in.errors.unreported', { count: unreported })}`, {
                            payload: { device: deviceName, error: state.error.message, failures: deviceErrors.count },
                        });
                    });
                    break;
                }
                case 'stopped':
                    break;
            }
        });
        source.start();

        node.on('close', (_removed: boolean, done: () => void) => {
            status.cancel();
            source.stop().then(done, done);
        });
    }

    /** The message contract (see the help). The session builds a new reading per frame: it is sent as is. */
    function toMessage(reading: TicReading | TeleinfoOutput): NodeMessage {
        return reading as unknown as NodeMessage;
    }

    RED.nodes.registerType('teleinfo-in', TeleinfoInNode, {
        settings: { teleinfoInLimits: { value: TELEINFO_IN_LIMITS, exportable: true } },
    });

    RED.httpAdmin.get('/teleinfo-in/ports', RED.auth.needsPermission('teleinfo-in.read'), (_req, res) => {
        listSerialPorts().then(
            (ports) => res.json(ports),
            () => res.json([]),
        );
    });
};
