/** Raw TCP byte source (ser2net or a Wi-Fi TIC bridge), reconnecting when the peer goes away. */
import * as net from 'node:net';
import { ReconnectingByteSource, type Connection } from './byte-source';

export interface TcpSourceOptions {
    host: string;
    port: number;
    /** No byte for this long means the bridge is gone even if the socket looks open. */
    idleTimeoutMs?: number;
}

export class TcpByteSource extends ReconnectingByteSource {
    constructor(private readonly options: TcpSourceOptions) {
        super();
    }

    get description(): string {
        return `${this.options.host}:${this.options.port}`;
    }

    protected connect(): Promise<Connection> {
        return new Promise((resolve, reject) => {
            const socket = net.connect({ host: this.options.host, port: this.options.port });
            let closedOnPurpose = false;
            let lastError: Error | undefined;
            const closed = new Promise<Error | undefined>((done) => {
                socket.on('close', () =>
                    done(closedOnPurpose ? undefined : (lastError ?? new Error(`${this.description} closed the connection`))),
                );
            });
            socket.once('error', reject);
            socket.once('connect', () => {
                socket.off('error', reject);
                socket.on('error', (e) => {
                    lastError = e;
                });
                socket.setTimeout(this.options.idleTimeoutMs ?? 30_000, () => {
                    lastError = new Error(`no data from ${this.description} for ${(this.options.idleTimeoutMs ?? 30_000) / 1000} s`);
                    socket.destroy();
                });
                socket.on('data', (chunk) => this.emit('data', chunk));
                resolve({
                    closed,
                    close: async () => {
                        closedOnPurpose = true;
                        socket.destroy();
                        await closed;
                    },
                });
            });
        });
    }
}
