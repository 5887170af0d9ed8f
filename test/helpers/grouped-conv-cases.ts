/**
 * Grouped 1x1 convolutions for the ISA comparison: channels a group that fill
 * one vector partly (12), a vector and a part (24), three vectors partly and
 * wholly (40, 48), a whole chunk and a part (56), rows that leave a partial
 * tile (5 x 5 x 3 = 75), a strided one, and 128+ channels a group (BLAS
 * under the AVX2 tiles' rule, the rows under AVX-512's). Then dense
 * convolutions over few pixels (batch 1's deep layers): one matrix product
 * through BLAS under AVX2, through the rows under AVX-512; their forward only
 * (their gradients are oneDNN's either way).
 */
export interface GroupedPointwiseCase {
  x: [number, number, number, number];
  /** Kernel size (1 unless given); with groups 1 and few output pixels, a dense case. */
  kernel?: number;
  cout: number;
  strides: number;
  groups: number;
  /** The two ISAs take the same path, so their outputs agree bit for bit. */
  samePath: boolean;
}

export const GROUPED_POINTWISE_CASES: GroupedPointwiseCase[] = [
  { x: [2, 9, 9, 48], cout: 48, strides: 1, groups: 4, samePath: true },
  { x: [3, 5, 5, 96], cout: 96, strides: 1, groups: 4, samePath: true },
  { x: [2, 7, 7, 160], cout: 160, strides: 1, groups: 4, samePath: true },
  { x: [2, 6, 6, 96], cout: 192, strides: 1, groups: 2, samePath: true },
  { x: [1, 11, 11, 224], cout: 224, strides: 2, groups: 4, samePath: true },
  { x: [2, 4, 4, 512], cout: 512, strides: 1, groups: 4, samePath: false },
  { x: [1, 6, 6, 40], kernel: 3, cout: 24, strides: 1, groups: 1, samePath: false },
  { x: [1, 8, 8, 64], cout: 48, strides: 2, groups: 1, samePath: false },
  { x: [2, 5, 5, 20], kernel: 3, cout: 33, strides: 2, groups: 1, samePath: false },
];
