import { readFileSync } from 'node:fs';
import net from 'node:net';
import { freePort } from './net';

function ephemeralStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 32_768;
  }
}

describe('freePort', () => {
  it('returns ports below the range the OS uses for outgoing connections, that can be listened on', async () => {
    const ports = await Promise.all(Array.from({ length: 20 }, () => freePort()));
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(ephemeralStart());
    }
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(ports[0], '0.0.0.0', () => resolve());
    });
    await new Promise((resolve) => server.close(resolve));
  });

  it('skips a port that is taken', async () => {
    const taken = await freePort();
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(taken, '0.0.0.0', () => resolve()));
    try {
      const random = jest.spyOn(Math, 'random');
      // First pick lands on the taken port, the second anywhere else.
      const span = ephemeralStart() - 20_000;
      random.mockReturnValueOnce((taken - 20_000 + 0.5) / span);
      const port = await freePort();
      expect(port).not.toBe(taken);
      expect(random.mock.calls.length).toBeGreaterThanOrEqual(2);
      random.mockRestore();
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
