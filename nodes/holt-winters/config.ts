/**
 * The `holt-winters` properties as saved in a flow file, checked and turned into typed settings.
 * Part of the flow-file contract: names and values are documented in the node's help. The editor
 * saves numbers as strings; an empty value takes the default (gammaDeviation's is gamma).
 */
import { HOLT_WINTERS_LIMITS, type HoltWintersCompat, type HoltWintersModel } from '../../lib/forecast/holt-winters';
import { SERIES_BANK_LIMITS, validateSeriesBankSettings, type SeriesBankSettings, type SeriesTiming } from '../../lib/forecast/series-bank';
import { PropertyReader } from '../shared/properties';

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

const TIMINGS = ['message', 'resample'] as const;

/** Shared with the editor's validators (the exported setting holtWintersLimits): the core's own. */
export const HOLT_WINTERS_NODE_LIMITS = { ...HOLT_WINTERS_LIMITS, ...SERIES_BANK_LIMITS };

/**
 * The method's own limits (alpha in ]0, 1[, a season of at least 2…) are checked by the core,
 * which names the parameter: a refusal there is one ConfigError of the whole parameter set.
 * `parsePropertyPath` is the runtime's message-property parser (RED.util.normalisePropertyExpression).
 */
export function parseHoltWintersNode(p: HoltWintersProperties, parsePropertyPath: (path: string) => unknown): HoltWintersNodeSettings {
    const read = new PropertyReader('holt-winters', p);
    const number = (name: keyof HoltWintersProperties): number | undefined =>
        read.optionalNumber(name, {}, { key: 'holt-winters.errors.notANumber' });
    const required = (name: keyof HoltWintersProperties): number => {
        const value = number(name);
        if (value === undefined) throw read.refuse(name, p[name], 'holt-winters.errors.required');
        return value;
    };
    const timing: SeriesTiming =
        read.oneOf('timing', TIMINGS, { default: 'message' }) === 'message'
            ? { kind: 'message' }
            : { kind: 'resample', stepSeconds: required('step') };
    const settings: SeriesBankSettings = {
        holtWinters: {
            // Unknown names are left for validateHoltWintersOptions to refuse with the others.
            model: (p.model || undefined) as HoltWintersModel | undefined,
            alpha: number('alpha'),
            beta: number('beta'),
            gamma: number('gamma'),
            gammaDeviation: number('gammaDeviation'),
            seasonLength: required('seasonLength'),
            smoothingWindow: number('smoothingWindow'),
            deltaPos: number('deltaPos'),
            deltaNeg: number('deltaNeg'),
            threshold: number('threshold'),
            window: number('window'),
            compat: (p.compat || undefined) as HoltWintersCompat | undefined,
        },
        timing,
        horizon: number('horizon') ?? 0,
    };
    try {
        validateSeriesBankSettings(settings);
    } catch (err) {
        if (!(err instanceof RangeError)) throw err;
        throw read.refuse('parameters', err.message, 'holt-winters.errors.parameters', { reason: err.message });
    }
    const property = read.text('property', { default: 'payload' });
    try {
        parsePropertyPath(property);
    } catch (err) {
        throw read.refuse('property', property, undefined, { error: (err as Error).message });
    }
    return { bank: settings, property };
}
