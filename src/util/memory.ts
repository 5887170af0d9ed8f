import * as fs from 'node:fs';

/**
 * Peak resident memory of this process image, in bytes. Not
 * resourceUsage().maxRSS: Linux carries that high-water mark across fork and
 * exec, so a measuring child spawned by a parent holding 2 GB reported 2 GB
 * for every model. VmHWM belongs to the current address space only.
 */
export function peakRssBytes(): number {
  const status = fs.existsSync('/proc/self/status') ? fs.readFileSync('/proc/self/status', 'utf8') : '';
  const hwm = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  return (hwm ? Number(hwm[1]) : process.resourceUsage().maxRSS) * 1024;
}
