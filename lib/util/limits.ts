/**
 * What a numeric setting may hold, as data: the core checks values against it, and the nodes
 * export it to the editor's validators (resources/energy-kit.js holds the browser's copy of
 * withinLimits; a unit test runs both on the same cases).
 */
export interface NumberLimits {
    /** Whole numbers only. */
    integer?: boolean;
    /** Inclusive bounds. */
    min?: number;
    max?: number;
    /** Exclusive bounds. */
    above?: number;
    below?: number;
}

export function withinLimits(value: number, limits: NumberLimits): boolean {
    if (typeof value !== 'number' || !Number.isFinite(value)) return false;
    if (limits.integer === true && !Number.isInteger(value)) return false;
    if (limits.min !== undefined && value < limits.min) return false;
    if (limits.max !== undefined && value > limits.max) return false;
    if (limits.above !== undefined && value <= limits.above) return false;
    return limits.below === undefined || value < limits.below;
}

/** The limits in words for an error message of a core ("in (0, 1)", "an integer ≥ 2"). */
export function describeLimits(limits: NumberLimits): string {
    const low = limits.min !== undefined ? `[${limits.min}` : limits.above !== undefined ? `(${limits.above}` : undefined;
    const high = limits.max !== undefined ? `${limits.max}]` : limits.below !== undefined ? `${limits.below})` : undefined;
    const kind = limits.integer === true ? 'an integer ' : '';
    if (limits.integer === true && limits.min !== undefined && limits.max !== undefined) return `${kind}in ${limits.min} … ${limits.max}`;
    if (low !== undefined && high !== undefined) return `${kind}in ${low}, ${high}`;
    if (low !== undefined) return `${kind}${limits.min !== undefined ? '≥' : '>'} ${limits.min ?? limits.above}`;
    if (high !== undefined) return `${kind}${limits.max !== undefined ? '≤' : '<'} ${limits.max ?? limits.below}`;
    return limits.integer === true ? 'an integer' : 'a number';
}
