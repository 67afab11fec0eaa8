/**
 * librrd's `apply_smoother` (src/rrd_hw.c): the periodic smoothing of a seasonal profile, a
 * circular centred moving average over `2 × halfWidth + 1` slots. Ported loop for loop because
 * the order of the additions decides the last bits, and bit-exactness with rrdtool is the point.
 */

/** librrd's half-width of the smoothing window: ⌊fraction / 2 × seasonLength⌋ slots. */
export function smoothingHalfWidth(fraction: number, seasonLength: number): number {
    return Math.floor((fraction / 2) * seasonLength);
}

/**
 * Replaces every slot of `profile` by the mean of the `2 × halfWidth + 1` slots centred on it
 * (wrapping round the season) and returns the mean of the smoothed profile, which the caller
 * uses to re-centre it. A profile with an unknown slot, or a half-width of 0, is left as it is
 * and NaN is returned, as librrd does. `scratch` (same length) holds the unsmoothed copy, so
 * nothing is allocated.
 */
export function smoothProfile(profile: Float64Array, scratch: Float64Array, halfWidth: number): number {
    const length = profile.length;
    if (halfWidth === 0) return NaN;
    for (let slot = 0; slot < length; slot++) {
        if (Number.isNaN(profile[slot])) return NaN;
    }
    scratch.set(profile);
    const width = 2 * halfWidth + 1;
    // The running sum starts with the window's first 2 × halfWidth slots, the ones before slot 0.
    let windowSum = 0;
    for (let i = 0; i < 2 * halfWidth; i++) {
        windowSum += scratch[i < halfWidth ? i - halfWidth + length : i - halfWidth];
    }
    let profileSum = 0;
    for (let i = halfWidth; i < length + halfWidth; i++) {
        windowSum += scratch[i < length ? i : i - length];
        const centre = i - halfWidth;
        profile[centre] = windowSum / width;
        profileSum += profile[centre];
        // librrd keeps the window in a FIFO; the value leaving it is the one that entered first.
        const oldest = i - 2 * halfWidth;
        windowSum -= scratch[oldest < 0 ? oldest + length : oldest];
    }
    return profileSum / length;
}
