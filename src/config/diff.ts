/**
 * What a config says beyond its defaults. A result's identity (its hash) is
 * taken from this, so a key added later with a default that keeps the old
 * behaviour leaves every finished run valid, instead of retraining them all.
 */

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** `value` without the keys (at any depth) whose value equals `defaults`' at the same place; a mapping left empty goes too. */
export function withoutDefaults(value: Record<string, unknown>, defaults: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const d = defaults[key];
    if (v === undefined || sameValue(v, d)) continue;
    if (isRecord(v) && isRecord(d)) {
      const inner = withoutDefaults(v, d);
      if (Object.keys(inner).length > 0) out[key] = inner;
    } else {
      out[key] = v;
    }
  }
  return out;
}
