// TCP front end: incremental frame parsing per connection, pipelined requests whose responses are
// written strictly in request order (a long-polling Fetch holds back later responses, as in Kafka),
// and isolation: any malformed input closes only the offending connection.
import * as net from 'node:net';
import { ProtocolError, Reader } from './protocol/primitives';
import type { LogFn } from './log/partition-log';

export interface RequestHeader {
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
}

export interface ClientInfo {
  readonly clientHost: string;
  readonly id: number;
}

/** Returns the response body chunks, or null when the request gets no response (Produce acks=0). */
export type RequestHandler = (
  header: RequestHeader,
  body: Reader,
  client: ClientInfo,
) => Buffer[] | null | Promise<Buffer[] | null>;

/** Thrown by handlers when the connection must be closed (unknown API, unsupported version). */
export class CloseConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CloseConnectionError';
  }
}

interface Slot {
  correlationId: number;
  done: boolean;
  /** null once done = no response is sent for this request. */
  body: Buffer[] | null;
}

const MAX_IN_FLIGHT = 256;
const MAX_UNSENT_BYTES = 64 * 1024 * 1024;

export function parseRequestHeader(r: Reader): RequestHeader {
  const apiKey = r.int16();
  const apiVersion = r.int16();
  const correlationId = r.int32();
  const clientId = r.nullableString();
  return { apiKey, apiVersion, correlationId, clientId };
}

export class Connection implements ClientInfo {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private readonly queue: Slot[] = [];
  private closed = false;
  private pausedForBackpressure = false;
  readonly clientHost: string;

  constructor(
    readonly id: number,
    private readonly socket: net.Socket,
    private readonly handler: RequestHandler,
    private readonly maxRequestBytes: number,
    private readonly log: LogFn,
  ) {
    this.clientHost = `/${socket.remoteAddress ?? 'unknown'}`;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.log('debug', 'connection error', { conn: id, error: err.message }));
    socket.on('close', () => {
      this.closed = true;
      this.chunks = [];
    });
    socket.on('drain', () => this.maybeResume());
  }

  get isClosed(): boolean {
    return this.closed;
  }

  close(reason?: string): void {
    if (this.closed) return;
    this.closed = true;
    if (reason) this.log('warn', 'closing connection', { conn: this.id, reason });
    this.socket.destroy();
  }

  /** Feeds raw bytes; extracts and dispatches every complete frame. Exposed for tests. */
  onData(chunk: Buffer): void {
    if (this.closed) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (!this.closed && this.buffered >= 4) {
      const size = this.peekSize();
      if (size < 10 || size > this.maxRequestBytes) {
        this.close(`invalid frame size ${size} (max ${this.maxRequestBytes})`);
        return;
      }
      if (this.buffered < 4 + size) break;
      const frame = this.take(4 + size);
      this.dispatch(frame.subarray(4));
    }
    this.applyBackpressure();
  }

  private peekSize(): number {
    const first = this.chunks[0];
    if (first.length >= 4) return first.readInt32BE(0);
    const head = Buffer.concat(this.chunks, Math.min(this.buffered, 4));
    return head.readInt32BE(0);
  }

  private take(n: number): Buffer {
    const first = this.chunks[0];
    this.buffered -= n;
    if (first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let got = 0;
    while (got < n) {
      const c = this.chunks[0];
      const want = n - got;
      if (c.length <= want) {
        c.copy(out, got);
        got += c.length;
        this.chunks.shift();
      } else {
        c.copy(out, got, 0, want);
        this.chunks[0] = c.subarray(want);
        got += want;
      }
    }
    return out;
  }

  private dispatch(frame: Buffer): void {
    const r = new Reader(frame);
    let header: RequestHeader;
    try {
      header = parseRequestHeader(r);
    } catch (err) {
      this.close(`malformed request header: ${(err as Error).message}`);
      return;
    }
    let result: Buffer[] | null | Promise<Buffer[] | null>;
    try {
      result = this.handler(header, r, this);
    } catch (err) {
      this.failRequest(header, err);
      return;
    }
    if (result === null) return; // no response expected, nothing queued (acks=0)
    const slot: Slot = { correlationId: header.correlationId, done: false, body: null };
    this.queue.push(slot);
    if (Array.isArray(result)) {
      slot.done = true;
      slot.body = result;
      this.flush();
      return;
    }
    result.then(
      (body) => {
        slot.done = true;
        slot.body = body;
        this.flush();
      },
      (err: unknown) => this.failRequest(header, err),
    );
  }

  private failRequest(header: RequestHeader, err: unknown): void {
    if (err instanceof CloseConnectionError || err instanceof ProtocolError) {
      this.close(`${err.message} (api ${header.apiKey} v${header.apiVersion})`);
    } else {
      this.log('error', 'request handler failed', {
        conn: this.id,
        apiKey: header.apiKey,
        apiVersion: header.apiVersion,
        error: err instanceof Error ? (err.stack ?? err.message) : String(err),
      });
      this.close();
    }
  }

  /** Writes every completed response at the head of the queue, in request order, in one corked batch. */
  private flush(): void {
    if (this.closed) {
      this.queue.length = 0;
      return;
    }
    if (this.queue.length === 0 || !this.queue[0].done) return;
    this.socket.cork();
    while (this.queue.length > 0 && this.queue[0].done) {
      const slot = this.queue.shift() as Slot;
      const body = slot.body;
      if (body === null) continue;
      let len = 4;
      for (const b of body) len += b.length;
      const head = Buffer.allocUnsafe(8);
      head.writeInt32BE(len, 0);
      head.writeInt32BE(slot.correlationId, 4);
      this.socket.write(head);
      for (const b of body) this.socket.write(b);
    }
    this.socket.uncork();
    this.maybeResume();
  }

  /** Stops reading from a client that pipelines faster than it reads its responses. */
  private applyBackpressure(): void {
    if (this.closed || this.pausedForBackpressure) return;
    if (this.queue.length >= MAX_IN_FLIGHT || this.socket.writableLength > MAX_UNSENT_BYTES) {
      this.pausedForBackpressure = true;
      this.socket.pause();
    }
  }

  private maybeResume(): void {
    if (!this.pausedForBackpressure || this.closed) return;
    if (this.queue.length < MAX_IN_FLIGHT / 2 && this.socket.writableLength <= MAX_UNSENT_BYTES / 2) {
      this.pausedForBackpressure = false;
      this.socket.resume();
    }
  }
}

export class Server {
  private readonly server: net.Server;
  private readonly connections = new Set<Connection>();
  private nextId = 1;

  constructor(
    private readonly handler: RequestHandler,
    private readonly maxRequestBytes: number,
    private readonly log: LogFn,
  ) {
    this.server = net.createServer((socket) => {
      const conn = new Connection(this.nextId++, socket, this.handler, this.maxRequestBytes, this.log);
      this.connections.add(conn);
      socket.on('close', () => this.connections.delete(conn));
    });
    this.server.on('error', (err) => this.log('error', 'server error', { error: err.message }));
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        const addr = this.server.address();
        resolve(typeof addr === 'object' && addr !== null ? addr.port : port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const c of this.connections) c.close();
    });
  }
}
