/**
 * Bench support (Linux): a process and all its descendants, sampled from /proc, for what the
 * process itself cannot report about its children: the CPU time of check processes that are
 * killed rather than waited for (GNU time and `RUSAGE_CHILDREN` miss those), and the resident
 * size of each. Sampling every `everyMs` loses at most that much CPU time per process.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's utime and stime (USER_HZ, 100 on Linux). */
const TICKS = 100;

export interface Proc {
  /** R, S, D, Z (ended, not yet reaped: holds no memory and runs nothing), ... */
  state: string;
  ppid: number;
  /** utime + stime, in ticks. */
  cpuTicks: number;
  rssKb: number;
  /** Start time: tells a reused pid apart. */
  start: string;
}

/** Every process on the machine, by pid. */
export function readProcs(): Map<number, Proc> {
  const out = new Map<number, Proc>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the command's closing parenthesis: state is field 3, so field n is rest[n - 3].
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${name}/status`, 'utf8'))?.[1] ?? 0);
      out.set(Number(name), {
        state: rest[0]!,
        ppid: Number(rest[1]),
        cpuTicks: Number(rest[11]) + Number(rest[12]),
        rssKb: rss,
        start: rest[19]!,
      });
    } catch {
      // Ended while being read.
    }
  }
  return out;
}

export interface TreeFigures {
  /** CPU seconds (user + system) of the root and every descendant seen. */
  cpuSeconds: number;
  /** Per process seen (root first): its peak resident size (MB) and CPU seconds. */
  processes: { pid: number; peakRssMb: number; cpuSeconds: number }[];
}

/** Samples the tree under `root` until stop() is called; stop() gives the figures. */
export function sampleTree(root: number, everyMs = 100): { stop: () => TreeFigures } {
  const seen = new Map<string, { pid: number; cpuTicks: number; rssKb: number }>();
  const sample = () => {
    const procs = readProcs();
    for (const pid of descendants(procs, root)) {
      const p = procs.get(pid);
      if (!p) continue;
      const key = `${pid}:${p.start}`;
      const was = seen.get(key);
      seen.set(key, { pid, cpuTicks: p.cpuTicks, rssKb: Math.max(was?.rssKb ?? 0, p.rssKb) });
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      const processes = [...seen.values()].map((s) => ({
        pid: s.pid,
        peakRssMb: Math.round(s.rssKb / 1024),
        cpuSeconds: Number((s.cpuTicks / TICKS).toFixed(2)),
      }));
      return {
        cpuSeconds: Number(processes.reduce((a, p) => a + p.cpuSeconds, 0).toFixed(1)),
        processes,
      };
    },
  };
}

/** `top` and every process below it that is still in `procs`. */
export function descendants(procs: Map<number, Proc>, top: number): number[] {
  const found = [top];
  for (let i = 0; i < found.length; i++)
    for (const [pid, p] of procs) if (p.ppid === found[i] && !found.includes(pid)) found.push(pid);
  return found.filter((pid) => procs.has(pid));
}
