/** Serial port byte source (7E1, as Téléinfo sends), reconnecting when the adapter goes away. */
import { SerialPort } from 'serialport';
import { ReconnectingByteSource, type Connection } from './byte-source';

export interface SerialSourceOptions {
    path: string;
    baudRate: number;
    /** The serial binding; the native one by default (tests pass @serialport/binding-mock's). */
    binding?: unknown;
    /**
     * A meter never stops sending: no byte for this long means the device is gone, even if the
     * port looks open. Needed because @serialport/bindings-cpp 13 loops on the 0-byte reads of a
     * hung-up tty instead of reporting it (serialport/bindings-cpp#162).
     */
    idleTimeoutMs?: number;
}

const DEFAULT_IDLE_TIMEOUT_MS = 15_000;

export class SerialByteSource extends ReconnectingByteSource {
    private baudRate: number;

    constructor(private readonly options: SerialSourceOptions) {
        super();
        this.baudRate = options.baudRate;
    }

    get description(): string {
        return this.options.path;
    }

    get baud(): number {
        return this.baudRate;
    }

    /** Changes the speed: the port is reopened at once at the new rate. */
    async setBaudRate(baudRate: number): Promise<void> {
        this.baudRate = baudRate;
        await this.reopen();
    }

    protected connect(): Promise<Connection> {
        const settings = {
            path: this.options.path,
            baudRate: this.baudRate,
            dataBits: 7,
            parity: 'even',
            stopBits: 1,
            autoOpen: false,
        } as const;
        // SerialPort's type hides `binding`, but the constructor takes one given in the options.
        const options = this.options.binding ? { ...settings, binding: this.options.binding } : settings;
        const port = new SerialPort(options);
        return new Promise((resolve, reject) => {
            port.open((err) => {
                if (err) return reject(err);
                let closedOnPurpose = false;
                let lastError: Error | undefined;
                const idleMs = this.options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
                let idleTimer: NodeJS.Timeout | undefined;
                const armIdleTimer = () => {
                    clearTimeout(idleTimer);
                    idleTimer = setTimeout(() => {
                        lastError = new Error(`no data from ${this.options.path} for ${idleMs / 1000} s`);
                        if (port.isOpen) port.close();
                    }, idleMs);
                };
                const closed = new Promise<Error | undefined>((done) => {
                    port.on('error', (e: Error) => {
                        lastError = e;
                    });
                    port.on('close', (e?: Error) => {
                        clearTimeout(idleTimer);
                        done(closedOnPurpose ? undefined : (lastError ?? e ?? new Error(`${this.options.path} closed`)));
                    });
                });
                port.on('data', (chunk: Buffer) => {
                    armIdleTimer();
                    this.emit('data', chunk);
                });
                armIdleTimer();
                resolve({
                    closed,
                    close: () =>
                        new Promise<void>((done) => {
                            closedOnPurpose = true;
                            clearTimeout(idleTimer);
                            if (!port.isOpen) return done();
                            port.close(() => done());
                        })
                            .then(() => closed)
                            .then(() => undefined),
                });
            });
        });
    }
}
