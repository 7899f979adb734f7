import { EventEmitter } from 'node:events';
import * as net from 'node:net';
import { ApiKey } from './protocol/messages';
import { Reader, Writer } from './protocol/primitives';
import { CloseConnectionError, Connection, RequestHandler } from './server';
import { startBroker, RunningBroker } from './index';

class FakeSocket extends EventEmitter {
  remoteAddress = '10.0.0.1';
  written: Buffer[] = [];
  destroyed = false;
  writableLength = 0;
  setNoDelay(): void {}
  cork(): void {}
  uncork(): void {}
  pause(): void {}
  resume(): void {}
  write(b: Buffer): boolean {
    this.written.push(Buffer.from(b));
    return true;
  }
  destroy(): void {
    this.destroyed = true;
  }
  /** Splits the written bytes back into response frames: [correlationId, body]. */
  responses(): [number, Buffer][] {
    const all = Buffer.concat(this.written);
    const out: [number, Buffer][] = [];
    let at = 0;
    while (at < all.length) {
      const len = all.readInt32BE(at);
      out.push([all.readInt32BE(at + 4), all.subarray(at + 8, at + 4 + len)]);
      at += 4 + len;
    }
    return out;
  }
}

function frame(
  apiKey: number,
  apiVersion: number,
  correlationId: number,
  body: Buffer = Buffer.alloc(0),
  clientId: string | null = 'test',
): Buffer {
  const w = new Writer();
  w.int16(apiKey).int16(apiVersion).int32(correlationId).nullableString(clientId).raw(body);
  const payload = w.toBuffer();
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

const noLog = (): void => undefined;

function connect(handler: RequestHandler, maxRequestBytes = 1 << 20): { sock: FakeSocket; conn: Connection } {
  const sock = new FakeSocket();
  const conn = new Connection(1, sock as unknown as net.Socket, handler, maxRequestBytes, noLog);
  return { sock, conn };
}

/** Echoes the request body after a tag byte; correlation id 99 is answered late (simulated long poll). */
const echo: RequestHandler = (header, body) => {
  const payload = body.buf.subarray(body.offset);
  const reply = [Buffer.from([header.apiKey]), payload];
  if (header.correlationId === 99) return new Promise((r) => setTimeout(() => r(reply), 30));
  return reply;
};

describe('Connection framing', () => {
  it('handles frames split across chunks at every byte boundary', () => {
    const data = Buffer.concat([frame(3, 1, 1, Buffer.from('abc')), frame(3, 1, 2, Buffer.from('defg'))]);
    for (let cut = 1; cut < data.length; cut++) {
      const { sock, conn } = connect(echo);
      conn.onData(data.subarray(0, cut));
      conn.onData(data.subarray(cut));
      expect(sock.responses().map(([c, b]) => [c, b.toString('latin1')])).toEqual([
        [1, '\u0003abc'],
        [2, '\u0003defg'],
      ]);
    }
  });

  it('handles one byte at a time and many frames in one chunk', () => {
    const frames = Array.from({ length: 20 }, (_, i) => frame(1, 4, i, Buffer.from([i])));
    const all = Buffer.concat(frames);
    const a = connect(echo);
    for (let i = 0; i < all.length; i++) a.conn.onData(all.subarray(i, i + 1));
    const b = connect(echo);
    b.conn.onData(all);
    for (const s of [a.sock, b.sock]) expect(s.responses().map(([c]) => c)).toEqual(frames.map((_, i) => i));
  });

  it('keeps responses in request order when an earlier request completes late', async () => {
    const { sock, conn } = connect(echo);
    conn.onData(Buffer.concat([frame(1, 4, 99), frame(3, 1, 100), frame(3, 1, 101)]));
    expect(sock.responses()).toEqual([]); // held back behind the pending fetch
    await new Promise((r) => setTimeout(r, 60));
    expect(sock.responses().map(([c]) => c)).toEqual([99, 100, 101]);
  });

  it('sends nothing for requests without a response (acks=0) and keeps order for the rest', () => {
    const handler: RequestHandler = (h) => (h.correlationId === 2 ? null : [Buffer.from('ok')]);
    const { sock, conn } = connect(handler);
    conn.onData(Buffer.concat([frame(0, 7, 1), frame(0, 7, 2), frame(0, 7, 3)]));
    expect(sock.responses().map(([c]) => c)).toEqual([1, 3]);
  });

  it('closes on an oversized frame without calling the handler', () => {
    let calls = 0;
    const { sock, conn } = connect(() => {
      calls++;
      return [];
    }, 1024);
    const size = Buffer.alloc(4);
    size.writeInt32BE(2048);
    conn.onData(size);
    expect(sock.destroyed).toBe(true);
    expect(calls).toBe(0);
  });

  it('closes on negative or tiny sizes and on a malformed header', () => {
    for (const bytes of [Buffer.from('ffffffff', 'hex'), Buffer.from('00000002aaaa', 'hex')]) {
      const { sock, conn } = connect(echo);
      conn.onData(bytes);
      expect(sock.destroyed).toBe(true);
    }
    const { sock, conn } = connect(echo);
    // client id length says 200 bytes but the frame ends
    conn.onData(Buffer.from('0000000c' + '0003' + '0001' + '00000001' + '00c8' + '4141', 'hex'));
    expect(sock.destroyed).toBe(true);
  });

  it('closes when the handler throws (unknown api, bug) instead of crashing', async () => {
    const a = connect(() => {
      throw new CloseConnectionError('unknown api key');
    });
    expect(() => a.conn.onData(frame(999, 0, 1))).not.toThrow();
    expect(a.sock.destroyed).toBe(true);
    const b = connect(() => Promise.reject(new Error('boom')));
    b.conn.onData(frame(1, 4, 1));
    await new Promise((r) => setImmediate(r));
    expect(b.sock.destroyed).toBe(true);
  });
});

/** Minimal blocking request/response over TCP for the in-process broker tests. */
async function rawExchange(port: number, bytes: Buffer, expectClose = false): Promise<Buffer | 'closed'> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => s.write(bytes));
    const chunks: Buffer[] = [];
    s.on('data', (c) => {
      chunks.push(c);
      const all = Buffer.concat(chunks);
      if (all.length >= 4 && all.length >= 4 + all.readInt32BE(0)) {
        s.destroy();
        resolve(all.subarray(4, 4 + all.readInt32BE(0)));
      }
    });
    s.on('close', () => resolve('closed'));
    s.on('error', (e) => (expectClose ? resolve('closed') : reject(e)));
  });
}

describe('broker over TCP', () => {
  let broker: RunningBroker;
  beforeAll(async () => {
    broker = await startBroker({ port: 0, maxRequestBytes: 64 * 1024 });
  });
  afterAll(() => broker.stop());

  it('answers ApiVersions v3 (flexible) with UNSUPPORTED_VERSION in the v0 layout listing ApiVersions 0..2', async () => {
    // v3 request header v2: client id (classic string) then an empty tagged-field section; body: compact strings + tags
    const body = Buffer.from('00' + '05' + '6b636174' + '06' + '322e302e32' + '00', 'hex');
    const res = await rawExchange(broker.port, frame(ApiKey.ApiVersions, 3, 7, body));
    expect(res).not.toBe('closed');
    const r = new Reader(res as Buffer);
    expect(r.int32()).toBe(7); // response header v0: correlation id only
    expect(r.int16()).toBe(35);
    const n = r.int32();
    const apis = Array.from({ length: n }, () => [r.int16(), r.int16(), r.int16()]);
    expect(apis).toContainEqual([18, 0, 2]);
    expect(apis).toContainEqual([0, 3, 7]);
    expect(apis).toContainEqual([1, 4, 11]);
    expect(r.remaining).toBe(0);
  });

  it('answers ApiVersions v0 with the full table', async () => {
    const res = (await rawExchange(broker.port, frame(ApiKey.ApiVersions, 0, 8))) as Buffer;
    const r = new Reader(res);
    expect(r.int32()).toBe(8);
    expect(r.int16()).toBe(0);
    expect(r.int32()).toBe(18);
  });

  it('closes connections on unknown api keys, unsupported versions, garbage and oversize frames, and keeps serving', async () => {
    expect(await rawExchange(broker.port, frame(4242, 0, 1), true)).toBe('closed');
    expect(await rawExchange(broker.port, frame(ApiKey.Produce, 8, 1), true)).toBe('closed');
    expect(await rawExchange(broker.port, frame(ApiKey.Metadata, 9, 1), true)).toBe('closed');
    expect(
      await rawExchange(broker.port, frame(ApiKey.Metadata, 1, 1, Buffer.from('7fffffff', 'hex')), true),
    ).toBe('closed');
    expect(await rawExchange(broker.port, Buffer.from('7fffffff00', 'hex'), true)).toBe('closed');
    const big = Buffer.alloc(128 * 1024);
    big.writeInt32BE(big.length - 4);
    expect(await rawExchange(broker.port, big, true)).toBe('closed');
    const ok = (await rawExchange(broker.port, frame(ApiKey.ApiVersions, 2, 9))) as Buffer;
    expect(ok.readInt32BE(0)).toBe(9);
  });

  it('serves Metadata v0 listing auto-created topics with this broker as leader', async () => {
    const body = new Writer().int32(1).string('unit-topic').toBuffer();
    const res = (await rawExchange(broker.port, frame(ApiKey.Metadata, 0, 3, body))) as Buffer;
    const r = new Reader(res);
    expect(r.int32()).toBe(3);
    expect(r.int32()).toBe(1); // brokers
    expect([r.int32(), r.string(), r.int32()]).toEqual([1, '127.0.0.1', broker.port]);
    expect(r.int32()).toBe(1); // topics
    expect([r.int16(), r.string()]).toEqual([0, 'unit-topic']);
    expect(r.int32()).toBe(1); // partitions
    expect([r.int16(), r.int32(), r.int32()]).toEqual([0, 0, 1]);
  });
});
