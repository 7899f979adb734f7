import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU seconds used so far by the processes of a tree, grouped by what the process is: in all (user + system) and in
 * the kernel alone (system calls: socket reads and writes, wake-ups of the process at the other end).
 */
export type CpuByRole = Record<string, { totalSec: number; kernelSec: number }>;

interface ProcInfo {
  pid: number;
  ppid: number;
  cpuSec: number;
  systemSec: number;
  rssBytes: number;
  role: string;
}

const PAGE_BYTES = 4096;

const TICKS_PER_SEC = 100; // USER_HZ on Linux

function readProc(pid: number): ProcInfo | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may contain spaces: the fields after it are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    const cpuSec = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SEC;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    return {
      pid,
      ppid,
      cpuSec,
      systemSec: Number(fields[12]) / TICKS_PER_SEC,
      rssBytes: Number(fields[21]) * PAGE_BYTES,
      role: roleOf(cmdline),
    };
  } catch {
    return null; // exited between listing and reading
  }
}

function roleOf(cmdline: string): string {
  if (/postgres/.test(cmdline) && !/node/.test(cmdline.split(' ')[0] ?? '')) return 'postgres';
  const app = /dist\/apps\/(\w+)\//.exec(cmdline);
  if (app) return app[1]!;
  if (/\bkafka\.Kafka\b/.test(cmdline)) return 'apache kafka (JVM)';
  if (/cli\/start\.js/.test(cmdline)) return 'supervisor+broker';
  return 'other';
}

/**
 * Reads /proc for every live descendant of `rootPid` (and the root) and sums CPU by role: the services, PostgreSQL
 * (postmaster and backends), the supervisor that hosts the embedded broker, Apache Kafka's JVM. Processes that exited are not counted,
 * so sample while the stack runs. Linux only; elsewhere returns an empty record.
 */
export function cpuByRole(rootPid: number): CpuByRole {
  const out: CpuByRole = {};
  for (const p of processTree(rootPid)) {
    const sum = (out[p.role] ??= { totalSec: 0, kernelSec: 0 });
    sum.totalSec += p.cpuSec;
    sum.kernelSec += p.systemSec;
  }
  return out;
}

/** Resident memory now, in MiB, per role of the same process tree (PostgreSQL's shared buffers count per backend). */
export function rssMbByRole(rootPid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of processTree(rootPid)) out[p.role] = (out[p.role] ?? 0) + p.rssBytes / (1024 * 1024);
  for (const role of Object.keys(out)) out[role] = Math.round(out[role]!);
  return out;
}

function processTree(rootPid: number): ProcInfo[] {
  let pids: number[];
  try {
    pids = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .map(Number);
  } catch {
    return [];
  }
  const procs = new Map<number, ProcInfo>();
  for (const pid of pids) {
    const p = readProc(pid);
    if (p) procs.set(pid, p);
  }
  const inTree = (p: ProcInfo): boolean => {
    for (let cur: ProcInfo | undefined = p, hops = 0; cur && hops < 64; hops++) {
      if (cur.pid === rootPid) return true;
      cur = procs.get(cur.ppid);
    }
    return false;
  };
  return [...procs.values()].filter(inTree);
}

/** CPU used between two samples, per role. */
export function cpuDelta(before: CpuByRole, after: CpuByRole): CpuByRole {
  const out: CpuByRole = {};
  for (const [role, a] of Object.entries(after)) {
    const b = before[role] ?? { totalSec: 0, kernelSec: 0 };
    out[role] = {
      totalSec: Math.max(0, a.totalSec - b.totalSec),
      kernelSec: Math.max(0, a.kernelSec - b.kernelSec),
    };
  }
  return out;
}

/** Whole-machine busy and total CPU seconds from /proc/stat (all cores). */
export function machineCpu(): { busySec: number; totalSec: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { busySec: (total - idle) / TICKS_PER_SEC, totalSec: total / TICKS_PER_SEC };
  } catch {
    return { busySec: 0, totalSec: 0 };
  }
}
