/**
 * One Téléinfo meter being read: the decoder, the meter's view across frames, the output policy
 * and, on a serial line, the baud-rate hunter, wired together. Transport-agnostic and free of
 * Node-RED: bytes and the time go in, readings to send and speed changes come out.
 */
import { BaudHunter, type BaudSetting } from './baud-hunter';
import { TicDecoder, type TicCounters, type TicMode, type TicModeSetting } from './decoder';
import { EmitPolicy, type OutputSetting } from './emit-policy';
import { TicMeterView, type TicReading } from './reading';

export interface TeleinfoOutput extends TicReading {
    /** With output `changes`: the labels that changed since the last message sent. */
    changed?: string[];
}

export interface TeleinfoSessionOptions {
    mode: TicModeSetting;
    output: OutputSetting;
    intervalMs?: number;
    /** The line's speed setting on a serial port; undefined for TCP and message input. */
    baud?: BaudSetting;
    /** A reading to send. */
    onReading: (reading: TeleinfoOutput) => void;
    /** A complete frame that had groups dropped (bad checksum or format), whether sent or not. */
    onDroppedGroups?: (reading: TicReading) => void;
    onModeChange?: (mode: TicMode | undefined) => void;
    now: number;
}

export class TeleinfoSession {
    private readonly decoder: TicDecoder;
    private readonly view = new TicMeterView();
    private readonly policy: EmitPolicy;
    private readonly hunter: BaudHunter | undefined;
    private readonly options: TeleinfoSessionOptions;
    private now: number;
    /** A speed change the decoder's mode lock asked for while the current chunk was decoded. */
    private modeSpeed: number | undefined;

    constructor(options: TeleinfoSessionOptions) {
        this.options = options;
        this.now = options.now;
        this.policy = new EmitPolicy(options.output, options.intervalMs ?? 0);
        this.hunter = options.baud === undefined ? undefined : new BaudHunter(options.baud, options.mode, options.now);
        this.decoder = new TicDecoder({
            mode: options.mode,
            onFrame: (frame) => this.onFrame(this.view.read(frame, this.now)),
            onModeChange: (mode) => {
                if (mode !== undefined) this.modeSpeed = this.hunter?.modeLocked(mode, this.now);
                options.onModeChange?.(mode);
            },
        });
    }

    get counters(): Readonly<TicCounters> {
        return this.decoder.counters;
    }

    /** The mode in force or detected; undefined while auto mode has not seen enough valid groups. */
    get mode(): TicMode | undefined {
        return this.decoder.mode;
    }

    /** The serial speed to use, undefined when there is no serial line. */
    get baud(): number | undefined {
        return this.hunter?.baud;
    }

    /**
     * Feeds received bytes. Returns the serial speed to switch to, else undefined: the locked mode's
     * own speed, or another when the baud-rate hunter decided the current one yields only garbage.
     */
    push(chunk: Uint8Array, now: number): number | undefined {
        this.now = now;
        this.modeSpeed = undefined;
        this.decoder.push(chunk, now);
        // A switch for the mode keeps the frames decoded so far: they were valid at this speed.
        if (this.modeSpeed !== undefined) return this.modeSpeed;
        const next = this.hunter?.observe(now, chunk.length, this.decoder.counters.validGroups);
        if (next !== undefined) this.decoder.reset();
        return next;
    }

    /** The byte stream was broken (reconnection): drop any partial frame. */
    reset(): void {
        this.decoder.reset();
    }

    private onFrame(reading: TicReading): void {
        if (reading.invalid.length > 0) this.options.onDroppedGroups?.(reading);
        const decision = this.policy.decide(reading, this.now);
        if (!decision.emit) return;
        const out: TeleinfoOutput = reading;
        if (decision.changed) out.changed = decision.changed;
        this.options.onReading(out);
    }
}
