/**
 * Readers for the properties of a node as saved in a flow file. The editor saves what its form
 * shows, so a number may arrive as a number or as text, a checkbox as a boolean or as 'true'; an
 * empty value takes the default. A value that cannot be used throws a ConfigError whose key is
 * `<type>.errors.<property>` unless another is given, so every node words its own reasons.
 */
import { withinLimits, type NumberLimits } from '../../lib/util/limits';
import { TimeZone, TimeZoneError } from '../../lib/util/time-zone';
import { ConfigError } from './config-error';

export type { NumberLimits };

interface ReadOptions<T> {
    /** Used when the property is absent or empty; without it, an empty property is refused. */
    default?: T;
    /** The i18n key of the reason when the value is refused. */
    key?: string;
}

export class PropertyReader {
    private readonly saved: Readonly<Record<string, unknown>>;

    /** `saved`: the node's config as the flow file holds it (after migrations). */
    constructor(
        private readonly type: string,
        saved: object,
    ) {
        this.saved = saved as Readonly<Record<string, unknown>>;
    }

    /** Trimmed text; empty means the default (or a refusal without one). */
    text(name: string, options: ReadOptions<string> = {}): string {
        const raw = this.saved[name];
        const value = this.textOf(name, raw, options.key);
        if (value !== '') return value;
        if (options.default !== undefined) return options.default;
        throw this.refuse(name, raw, options.key);
    }

    /** Text that may stay empty when saved so (the editor's way of saying "none"); absent means the default. */
    optionalText(name: string, whenAbsent = ''): string {
        const raw = this.saved[name];
        return raw === undefined || raw === null ? whenAbsent : this.textOf(name, raw);
    }

    number(name: string, limits: NumberLimits, options: ReadOptions<number> = {}): number {
        const raw = this.saved[name];
        if (isEmpty(raw)) {
            if (options.default !== undefined) return options.default;
            throw this.refuse(name, raw, options.key);
        }
        const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw.trim()) : NaN;
        if (!withinLimits(value, limits)) throw this.refuse(name, raw, options.key);
        return value;
    }

    /** A number, or undefined when empty: for properties whose default another layer decides. */
    optionalNumber(name: string, limits: NumberLimits = {}, options: { key?: string } = {}): number | undefined {
        return isEmpty(this.saved[name]) ? undefined : this.number(name, limits, options);
    }

    integer(name: string, limits: Omit<NumberLimits, 'integer'>, options: ReadOptions<number> = {}): number {
        return this.number(name, { ...limits, integer: true }, options);
    }

    oneOf<T extends string>(name: string, choices: readonly T[], options: ReadOptions<T> = {}): T {
        const raw = this.saved[name];
        if (isEmpty(raw) && options.default !== undefined) return options.default;
        if (typeof raw === 'string' && (choices as readonly string[]).includes(raw)) return raw as T;
        throw this.refuse(name, raw, options.key);
    }

    boolean(name: string, whenAbsent: boolean): boolean {
        const raw = this.saved[name];
        if (raw === undefined || raw === null || raw === '') return whenAbsent;
        if (raw === true || raw === 'true') return true;
        if (raw === false || raw === 'false') return false;
        throw this.refuse(name, raw);
    }

    /** A duration typed in seconds (fractions allowed), as milliseconds. */
    durationMs(name: string, limits: Omit<NumberLimits, 'integer'>, options: ReadOptions<number> = {}): number {
        return (
            this.number(name, limits, { ...options, default: options.default === undefined ? undefined : options.default / 1000 }) * 1000
        );
    }

    /** An IANA time-zone name the runtime knows, checked once at deploy rather than at each use. */
    timeZone(name: string, options: ReadOptions<string> = {}): string {
        const zone = this.text(name, options);
        try {
            new TimeZone(zone);
        } catch (err) {
            if (!(err instanceof TimeZoneError)) throw err;
            throw this.refuse(name, zone, options.key);
        }
        return zone;
    }

    /** A text property as saved: text, or a number typed where text goes (a port, a name); nothing else. */
    private textOf(name: string, raw: unknown, key?: string): string {
        if (raw === undefined || raw === null) return '';
        if (typeof raw === 'string') return raw.trim();
        if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
        throw this.refuse(name, raw, key);
    }

    /** The error for a refused value of `name`, for checks the readers cannot express. */
    refuse(name: string, value: unknown, key?: string, params?: Record<string, string | number>): ConfigError {
        return new ConfigError(key ?? `${this.type}.errors.${name}`, name, value, params);
    }
}

function isEmpty(raw: unknown): boolean {
    return raw === undefined || raw === null || (typeof raw === 'string' && raw.trim() === '');
}
