/**
 * The two memory figures: peak RSS (the process's VmHWM) and peak tensor
 * bytes (what the backend's allocator holds for tensors, weights included).
 */
import * as fs from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { TorchBackend } from '../backend/torch';

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

/**
 * Lowers VmHWM to the current RSS (Linux 4.0+, clear_refs 5), so that a peak
 * read later is that of what ran since, not of a preparation step: folding,
 * when the model and its folded copy both lived. False where the kernel
 * refuses; the peak then includes what ran before.
 */
export function resetPeakRss(): boolean {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Who counted the tensor bytes: ATen's allocator (the torch backend) or tfjs's engine (tf.profile, elsewhere). */
export type TensorCounter = 'aten' | 'tfjs';

export function tensorCounter(): TensorCounter {
  return tf.backend() instanceof TorchBackend ? 'aten' : 'tfjs';
}

/**
 * The most bytes all live tensors (weights included) held while `fn` ran. On
 * torch ATen's own count after each kernel, each storage once; elsewhere
 * tf.profile's peakBytes, which would count the torch backend's reshape views
 * (which share their input's storage) as copies.
 */
export async function peakTensorBytes(fn: () => void): Promise<number> {
  const backend = tf.backend();
  if (backend instanceof TorchBackend) return backend.peakBytesDuring(fn);
  // tf.profile returns the engine's one live profile object: read it before the next profile overwrites it.
  return (await tf.profile(fn)).peakBytes;
}
