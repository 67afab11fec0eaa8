/**
 * Standard-mode horodates: `SAAMMJJhhmmss`, French legal local time, the season letter giving the
 * offset (E/e summer +02:00, H/h winter +01:00; lowercase = the meter's clock is degraded; SP =
 * season not applicable, used by the mobile-peak groups DPMx/FPMx). The offset comes from the
 * letter, never from the host's time zone.
 */
export interface Horodate {
    /** ISO-8601 local time, with the offset when the season letter gives one. */
    iso: string;
    /** Milliseconds since the epoch, or undefined when the season is SP (offset unknown). */
    epochMs: number | undefined;
    /** True for a lowercase season letter: the meter's real-time clock is degraded. */
    degraded: boolean;
}

const HORODATE = /^[EeHh ]\d{12}$/;

export function isHorodate(text: string): boolean {
    return HORODATE.test(text);
}

/** Decodes a horodate, or returns undefined when it is not one (wrong length, letter or digits). */
export function parseHorodate(text: string): Horodate | undefined {
    if (!HORODATE.test(text)) return undefined;
    const season = text[0];
    const local = `20${text.slice(1, 3)}-${text.slice(3, 5)}-${text.slice(5, 7)}T${text.slice(7, 9)}:${text.slice(9, 11)}:${text.slice(11, 13)}`;
    const offset = season === 'E' || season === 'e' ? '+02:00' : season === 'H' || season === 'h' ? '+01:00' : '';
    const iso = local + offset;
    const epochMs = offset ? Date.parse(iso) : undefined;
    if (epochMs !== undefined && Number.isNaN(epochMs)) return undefined;
    return { iso, epochMs, degraded: season === 'e' || season === 'h' };
}
