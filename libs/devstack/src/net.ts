import { readFileSync } from 'node:fs';
import net from 'node:net';

/** Lowest port of the range tried; below it are the ports other software on a workstation tends to use. */
const LOWEST = 20_000;

/**
 * First port the OS hands out as the local end of outgoing connections (Linux: ip_local_port_range; 32768 where
 * that cannot be read, the Linux default and below the 49152 of other systems).
 */
function ephemeralRangeStart(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > LOWEST + 1_000 ? low : 32_768;
  } catch {
    return 32_768;
  }
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.unref();
    server.once('error', () => resolve(false));
    // The wildcard address, as the services listen: a port taken on any interface is taken.
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/**
 * A free TCP port for a process started a moment later (and restarted on the same port after a kill). Picked below
 * the ephemeral range: a port the OS chose (`listen(0)`) lies inside it, so any outgoing connection made meanwhile —
 * a pool reconnecting, a Kafka client — could take it as its local port, and the service's listen then fails with
 * EADDRINUSE, again on every restart while that connection lives.
 */
export async function freePort(): Promise<number> {
  const high = ephemeralRangeStart();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = LOWEST + Math.floor(Math.random() * (high - LOWEST));
    if (await canListen(port)) return port;
  }
  throw new Error(`no free TCP port found in ${LOWEST}–${high - 1}`);
}
