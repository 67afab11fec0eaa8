/**
 * `holt-winters`: Holt-Winters forecasting and aberrant-behaviour detection (Brutlag 2000, as
 * RRDtool runs it) on any numeric stream, one series per `msg.topic`. The method lives in
 * lib/forecast; this file maps the node's properties, messages, status and saved state onto it.
 */
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { ParametersChangedError, SeriesBank, type SeriesBankSettings, type SeriesStep } from '../../lib/forecast/series-bank';
import { HOLT_WINTERS_NODE_LIMITS, parseHoltWintersNode, type HoltWintersProperties } from './config';
import { settingsOrRefuse } from '../shared/bad-config';
import { forecastStatus } from './status';
import { StateFile } from '../shared/state-file';
import { TrailingThrottle } from '../shared/status-throttle';
import { userDirPath } from '../shared/user-dir';

type HoltWintersDef = NodeDef & HoltWintersProperties;

/** The state is saved this long after the first change since the last save (and on close). */
const SAVE_AFTER_MS = 30_000;
/** Under the userDir: one file per node, named by its id. */
const STATE_FOLDER = 'energy-holt-winters';

export = function (RED: NodeAPI) {
    function HoltWintersNode(this: Node, def: HoltWintersDef) {
        RED.nodes.createNode(this, def);
        const node = this;

        const settings = settingsOrRefuse(RED, node, def, (config) =>
            parseHoltWintersNode(config, (path) => RED.util.normalisePropertyExpression(path)),
        );
        if (settings === undefined) return;

        const stateFile = new StateFile(userDirPath(RED, STATE_FOLDER, `${encodeURIComponent(node.id)}.json`));
        const bank = restore(settings.bank);

        let saveTimer: NodeJS.Timeout | undefined;
        let badInputs = 0;
        let lateSamples = 0;
        /** Topics already warned about a late sample: one warning each, the count is in the status. */
        const warnedLate = new Set<string>();

        function restore(bankSettings: SeriesBankSettings): SeriesBank {
            try {
                const saved = stateFile.read();
                if (saved !== undefined) return SeriesBank.fromJSON(saved, bankSettings);
            } catch (err) {
                if (err instanceof ParametersChangedError) {
                    node.warn(RED._('holt-winters.warnings.parametersChanged', { changed: err.changed.join(', ') }));
                } else {
                    node.warn(RED._('holt-winters.warnings.unreadableState', { file: stateFile.file, error: (err as Error).message }));
                }
            }
            return new SeriesBank(bankSettings);
        }

        function scheduleSave(): void {
            saveTimer ??= setTimeout(() => {
                saveTimer = undefined;
                stateFile.write(bank.toJSON()).catch(warnSaveFailed);
            }, SAVE_AFTER_MS);
        }

        function warnSaveFailed(err: Error): void {
            node.warn(RED._('holt-winters.warnings.saveFailed', { file: stateFile.file, error: err.message }));
        }

        const status = new TrailingThrottle(showStatus);

        function showStatus(): void {
            node.status(forecastStatus(bank.summary(), { badInputs, lateSamples }, RED._));
        }

        function forecastOf(step: SeriesStep): Record<string, unknown> {
            const p = step.point;
            return {
                prediction: p.prediction,
                deviation: p.deviation,
                upper: p.upper,
                lower: p.lower,
                seasonal: p.seasonal,
                intercept: p.intercept,
                slope: p.slope,
                violation: p.violation,
                failure: p.failure,
                ...(step.horizon === undefined ? {} : { horizon: step.horizon }),
            };
        }

        function rejectInput(done: (err?: Error) => void, message: string): void {
            badInputs++;
            // Drawn at once and kept for a while: the status shows the reason.
            status.holdOff();
            node.status({ fill: 'red', shape: 'ring', text: RED._('holt-winters.status.badInput') });
            done(new Error(message));
        }

        node.on('input', (msg: NodeMessageInFlow, send, done) => {
            const topic = msg.topic === undefined || msg.topic === null ? '' : String(msg.topic);
            if ((msg as { reset?: unknown }).reset === true) {
                if (bank.reset(topic)) scheduleSave();
                status.request(true);
                done();
                return;
            }

            const raw: unknown = RED.util.getMessageProperty(msg, settings.property);
            if (raw !== null && typeof raw !== 'number') {
                rejectInput(
                    done,
                    RED._('holt-winters.errors.input', {
                        property: settings.property,
                        topic,
                        type: raw === undefined ? 'undefined' : Array.isArray(raw) ? 'array' : typeof raw,
                    }),
                );
                return;
            }
            const stamp: unknown = (msg as { timestamp?: unknown }).timestamp;
            // Any number a Date can hold: the time is shown as a date in warnings.
            if (stamp !== undefined && (typeof stamp !== 'number' || Number.isNaN(new Date(stamp).getTime()))) {
                rejectInput(done, RED._('holt-winters.errors.timestamp', { topic, value: JSON.stringify(stamp) }));
                return;
            }

            const time = stamp ?? Date.now();
            const result = bank.push(topic, raw ?? NaN, time);
            if (result.ignored === undefined) {
                scheduleSave();
            } else {
                lateSamples++;
                if (!warnedLate.has(topic)) {
                    warnedLate.add(topic);
                    node.warn(RED._(`holt-winters.warnings.${result.ignored}`, { topic, time: new Date(time).toISOString() }));
                }
            }

            const forecasts: NodeMessage[] =
                settings.bank.timing.kind === 'message'
                    ? result.steps.map((step) => Object.assign(msg, { forecast: forecastOf(step) }))
                    : result.steps.map((step) => ({ topic, payload: step.value, timestamp: step.time, forecast: forecastOf(step) }));
            const failures: NodeMessage[] = result.steps.flatMap((step) =>
                step.failure === undefined ? [] : [{ topic, payload: step.failure }],
            );
            if (forecasts.length > 0 || failures.length > 0) send([forecasts, failures]);
            status.request(failures.length > 0);
            done();
        });

        node.on('close', (removed: boolean, done: () => void) => {
            clearTimeout(saveTimer);
            status.cancel();
            // A deleted node's state goes with it; otherwise it waits for the node's next start. Queued
            // behind any save in progress, so the next start reads the latest state.
            const finish = removed ? stateFile.remove() : stateFile.write(bank.toJSON());
            finish.catch(warnSaveFailed).finally(done);
        });

        status.request(true);
    }

    RED.nodes.registerType('holt-winters', HoltWintersNode, {
        settings: { holtWintersLimits: { value: HOLT_WINTERS_NODE_LIMITS, exportable: true } },
    });
};
