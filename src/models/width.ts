/** Channel-count rounding for width multipliers. */

/** torchvision's _make_divisible: nearest multiple of `divisor`, never below divisor nor more than 10% under the target. */
export function makeDivisible(value: number, divisor = 8, minValue = divisor): number {
  const rounded = Math.max(minValue, Math.floor(value + divisor / 2) - (Math.floor(value + divisor / 2) % divisor));
  return rounded < 0.9 * value ? rounded + divisor : rounded;
}

/** The nearest multiple of `multiple` (at least one multiple). */
export function roundToMultiple(value: number, multiple: number): number {
  return Math.max(multiple, Math.round(value / multiple) * multiple);
}
