/**
 * The `holt-winters` properties as saved in a flow file, checked and turned into typed settings.
 * Part of the flow-file contract: names and values are documented in the node's help. The editor
 * saves numbers as strings; an empty value takes the default (gammaDeviation's is gamma).
 */
import type { HoltWintersCompat, HoltWintersModel } from '../../lib/forecast/holt-winters';
import { validateSeriesBankSettings, type SeriesBankSettings, type SeriesTiming } from '../../lib/forecast/series-bank';

type NumberProperty = string | number | null;

export interface HoltWintersProperties {
    model?: string;
    alpha?: NumberProperty;
    beta?: NumberProperty;
    gamma?: NumberProperty;
    gammaDeviation?: NumberProperty;
    seasonLength?: NumberProperty;
    smoothingWindow?: NumberProperty;
    deltaPos?: NumberProperty;
    deltaNeg?: NumberProperty;
    threshold?: NumberProperty;
    window?: NumberProperty;
    compat?: string;
    property?: string;
    timing?: string;
    step?: NumberProperty;
    horizon?: NumberProperty;
}

export interface HoltWintersNodeSettings {
    bank: SeriesBankSettings;
    /** Where the sample is read in the message. */
    property: string;
}

/** A property set that cannot be used: the i18n key of the reason and its parameters. */
export class ConfigError extends Error {
    constructor(readonly key: string, readonly params: Record<string, string>) {
        super(`${key}: ${JSON.stringify(params)}`);
    }
}

export function parseHoltWintersNode(p: HoltWintersProperties): HoltWintersNodeSettings {
    const timingKind = p.timing || 'message';
    let timing: SeriesTiming;
    if (timingKind === 'message') timing = { kind: 'message' };
    else if (timingKind === 'resample') timing = { kind: 'resample', stepSeconds: required(p, 'step') };
    else throw new ConfigError('holt-winters.errors.timing', { value: String(p.timing) });
    const settings: SeriesBankSettings = {
        holtWinters: {
            // Unknown names are left for validateHoltWintersOptions to refuse with the others.
            model: (p.model || undefined) as HoltWintersModel | undefined,
            alpha: numberOrUndefined(p, 'alpha'),
            beta: numberOrUndefined(p, 'beta'),
            gamma: numberOrUndefined(p, 'gamma'),
            gammaDeviation: numberOrUndefined(p, 'gammaDeviation'),
            seasonLength: required(p, 'seasonLength'),
            smoothingWindow: numberOrUndefined(p, 'smoothingWindow'),
            deltaPos: numberOrUndefined(p, 'deltaPos'),
            deltaNeg: numberOrUndefined(p, 'deltaNeg'),
            threshold: numberOrUndefined(p, 'threshold'),
            window: numberOrUndefined(p, 'window'),
            compat: (p.compat || undefined) as HoltWintersCompat | undefined,
        },
        timing,
        horizon: numberOrUndefined(p, 'horizon') ?? 0,
    };
    try {
        validateSeriesBankSettings(settings);
    } catch (err) {
        if (!(err instanceof RangeError)) throw err;
        throw new ConfigError('holt-winters.errors.parameters', { reason: err.message });
    }
    return { bank: settings, property: (p.property ?? '').trim() || 'payload' };
}

function required(p: HoltWintersProperties, name: keyof HoltWintersProperties): number {
    const value = numberOrUndefined(p, name);
    if (value === undefined) throw new ConfigError('holt-winters.errors.required', { property: name });
    return value;
}

/** A numeric property: undefined when empty (the default applies); a ConfigError when not a number. */
function numberOrUndefined(p: HoltWintersProperties, name: keyof HoltWintersProperties): number | undefined {
    const raw = p[name];
    if (raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '')) return undefined;
    const value = typeof raw === 'number' ? raw : Number(raw.trim());
    if (!Number.isFinite(value)) throw new ConfigError('holt-winters.errors.notANumber', { property: name, value: String(raw) });
    return value;
}
