// What /proc says about the machine and the processes of a run: memory and CPU time. Linux only.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { Machine } from './report.js';

function clockTicks(): number {
  try {
    const n = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isFinite(n) && n > 0 ? n : 100;
  } catch {
    return 100;
  }
}

const TICKS = clockTicks();

export function machine(): Machine {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find((l) => l.startsWith('model name'));
    if (line !== undefined) cpuModel = line.slice(line.indexOf(':') + 1).trim();
  } catch {
    // keep os.cpus()
  }
  return { cpus: os.availableParallelism(), cpuModel, memoryMiB: Math.round(os.totalmem() / 1024 / 1024), node: process.version };
}

/** A field of /proc/<pid>/status in kB (VmRSS, VmHWM), as MiB; undefined when the process is gone. */
export async function statusMiB(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
    return m?.[1] === undefined ? undefined : Number(m[1]) / 1024;
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds a process has used so far (its threads included, not its children). */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after the last ')'.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / TICKS;
  } catch {
    return undefined;
  }
}

/** Busy and total CPU seconds of the whole machine, from /proc/stat (all cores summed). */
export function machineCpu(): { busy: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy: (total - idle) / TICKS, total: total / TICKS };
  } catch {
    return { busy: 0, total: 0 };
  }
}

export interface CpuSnapshot {
  at: number;
  processes: Map<string, number>;
  machine: { busy: number; total: number };
}

export type Pids = Record<string, number | undefined>;

export function snapshotCpu(pids: Pids): CpuSnapshot {
  const processes = new Map<string, number>();
  for (const [name, pid] of Object.entries(pids)) {
    if (pid === undefined) continue;
    const s = cpuSeconds(pid);
    if (s !== undefined) processes.set(name, s);
  }
  return { at: Date.now(), processes, machine: machineCpu() };
}

/**
 * CPU used between two snapshots: seconds per process, as a share of one core, and what the rest of
 * the machine used (other engineers' test runs share these boxes).
 */
export function describeCpu(before: CpuSnapshot, after: CpuSnapshot): { line: string; wall: number; others: number } {
  const wall = (after.at - before.at) / 1000;
  if (wall <= 0) return { line: '', wall: 0, others: 0 };
  const parts: string[] = [];
  let ours = 0;
  for (const [name, end] of after.processes) {
    const start = before.processes.get(name);
    if (start === undefined) continue;
    const used = end - start;
    ours += used;
    parts.push(`${name} ${used.toFixed(1)}s (${Math.round((used / wall) * 100)}%)`);
  }
  const busy = after.machine.busy - before.machine.busy;
  const others = Math.max(0, busy - ours);
  const cores = os.availableParallelism();
  parts.push(`machine busy ${Math.round((busy / (wall * cores)) * 100)}% of ${cores} cores, other processes ${others.toFixed(1)}s`);
  return { line: `cpu over ${wall.toFixed(1)}s: ${parts.join(', ')}`, wall, others };
}
