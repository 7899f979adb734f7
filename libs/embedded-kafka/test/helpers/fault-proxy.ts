// A frame-aware TCP proxy between a real client and the broker that can swallow a response and cut
// the connection, the classic way a producer ends up retrying a request the broker already applied.
// kafkajs is pointed at it with `socketFactory`, so every connection (including to the address the
// broker advertises in Metadata) goes through the proxy.
import net from 'node:net';
import { ISocketFactory } from 'kafkajs';

export class FaultProxy {
  /** Number of Produce responses still to swallow (each one also kills its connection). */
  dropProduceResponses = 0;
  readonly requestsByApiKey = new Map<number, number>();
  droppedResponses = 0;
  private server!: net.Server;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  private constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  static async start(targetHost: string, targetPort: number): Promise<FaultProxy> {
    const p = new FaultProxy(targetHost, targetPort);
    p.server = net.createServer((client) => p.onClient(client));
    await new Promise<void>((resolve) => p.server.listen(0, '127.0.0.1', () => resolve()));
    p.port = (p.server.address() as net.AddressInfo).port;
    return p;
  }

  /** kafkajs socketFactory routing every broker connection through this proxy. */
  socketFactory(): ISocketFactory {
    return ({ onConnect }) => {
      const s = net.connect({ host: '127.0.0.1', port: this.port }, onConnect);
      s.setNoDelay(true);
      return s;
    };
  }

  private onClient(client: net.Socket): void {
    const upstream = net.connect({ host: this.targetHost, port: this.targetPort });
    this.sockets.add(client);
    this.sockets.add(upstream);
    const apiKeyByCorrelation = new Map<number, number>();
    const kill = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', kill);
    upstream.on('error', kill);
    client.on('close', () => {
      this.sockets.delete(client);
      upstream.destroy();
    });
    upstream.on('close', () => {
      this.sockets.delete(upstream);
      client.destroy();
    });
    frames(client, (frame) => {
      const apiKey = frame.readInt16BE(4);
      apiKeyByCorrelation.set(frame.readInt32BE(8), apiKey);
      this.requestsByApiKey.set(apiKey, (this.requestsByApiKey.get(apiKey) ?? 0) + 1);
      upstream.write(frame);
    });
    frames(upstream, (frame) => {
      const correlationId = frame.readInt32BE(4);
      const apiKey = apiKeyByCorrelation.get(correlationId);
      apiKeyByCorrelation.delete(correlationId);
      if (apiKey === 0 && this.dropProduceResponses > 0) {
        this.dropProduceResponses--;
        this.droppedResponses++;
        kill();
        return;
      }
      client.write(frame);
    });
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Calls `onFrame` with each complete length-prefixed frame (length prefix included). */
function frames(socket: net.Socket, onFrame: (frame: Buffer) => void): void {
  let buf: Buffer = Buffer.alloc(0);
  socket.on('data', (d: Buffer) => {
    buf = buf.length ? Buffer.concat([buf, d]) : d;
    while (buf.length >= 4) {
      const size = buf.readInt32BE(0);
      if (buf.length < 4 + size) break;
      const frame = buf.subarray(0, 4 + size);
      buf = buf.subarray(4 + size);
      onFrame(frame);
      if (socket.destroyed) return;
    }
  });
}
