import { readdir, readFile } from 'node:fs/promises';
import type { MetricFamily } from './exposition.js';

/** The process's own resources at one moment; the /proc figures are absent where there is no /proc (not Linux). */
export interface ProcessSample {
  cpuUserSeconds: number;
  cpuSystemSeconds: number;
  residentBytes: number;
  virtualBytes?: number;
  /** VmData: the data segment, heap included (what prom-client also reports as process_heap_bytes). */
  heapBytes?: number;
  openFds?: number;
  maxFds?: number;
  startTimeSeconds: number;
}

/** Reads /proc/self asynchronously, so that a scrape never holds the event loop on the file system. */
export async function sampleProcess(): Promise<ProcessSample> {
  const cpu = process.cpuUsage();
  const [status, fds, limits] = await Promise.all([
    readFile('/proc/self/status', 'utf8').catch(() => ''),
    readdir('/proc/self/fd').catch(() => undefined),
    readFile('/proc/self/limits', 'utf8').catch(() => ''),
  ]);
  const kilobytes = (field: string): number | undefined => {
    const value = new RegExp(`^${field}:\\s*(\\d+) kB$`, 'm').exec(status)?.[1];
    return value === undefined ? undefined : Number(value) * 1024;
  };
  const maxFds = /^Max open files\s+(\d+)/m.exec(limits)?.[1];
  return {
    cpuUserSeconds: cpu.user / 1e6,
    cpuSystemSeconds: cpu.system / 1e6,
    residentBytes: kilobytes('VmRSS') ?? process.memoryUsage.rss(),
    virtualBytes: kilobytes('VmSize'),
    heapBytes: kilobytes('VmData'),
    // readdir's own descriptor on the directory is listed too.
    openFds: fds === undefined ? undefined : fds.length - 1,
    maxFds: maxFds === undefined ? undefined : Number(maxFds),
    startTimeSeconds: Math.round(Date.now() / 1000 - process.uptime()),
  };
}

/** The standard process_* families (as Prometheus's client libraries name them). */
export function processFamilies(sample: ProcessSample): MetricFamily[] {
  const gauge = (name: string, help: string, value: number | undefined): MetricFamily[] =>
    value === undefined ? [] : [{ name, help, type: 'gauge', samples: [{ value }] }];
  const counter = (name: string, help: string, value: number): MetricFamily => ({ name, help, type: 'counter', samples: [{ value }] });
  return [
    counter('process_cpu_user_seconds_total', 'Total user CPU time spent in seconds.', sample.cpuUserSeconds),
    counter('process_cpu_system_seconds_total', 'Total system CPU time spent in seconds.', sample.cpuSystemSeconds),
    counter('process_cpu_seconds_total', 'Total user and system CPU time spent in seconds.', sample.cpuUserSeconds + sample.cpuSystemSeconds),
    ...gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', sample.residentBytes),
    ...gauge('process_virtual_memory_bytes', 'Virtual memory size in bytes.', sample.virtualBytes),
    ...gauge('process_heap_bytes', 'Process heap size in bytes.', sample.heapBytes),
    ...gauge('process_open_fds', 'Number of open file descriptors.', sample.openFds),
    ...gauge('process_max_fds', 'Maximum number of open file descriptors.', sample.maxFds),
    ...gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', sample.startTimeSeconds),
  ];
}
