import { SwarmError } from '../src/shared/errors.js';
import { median } from './median.js';

/** One measured quantity: its samples and how it is shown. */
export interface Figure {
  readonly label: string;
  readonly samples: number[];
}

export function figure(label: string): Figure {
  return { label, samples: [] };
}

export function medianOf(f: Figure): number | undefined {
  return f.samples.length > 0 ? median(f.samples) : undefined;
}

export function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

/** The JSON value of a figure: its median, rounded, or null when it has no sample. */
export function jsonOf(f: Figure): number | null {
  const m = medianOf(f);
  return m === undefined ? null : round1(m);
}

export function fmt(x: number | undefined, digits = 1): string {
  return x === undefined ? 'n/a' : x.toFixed(digits);
}

/** A table row: label, median, min, max, n. */
export function figureRow(f: Figure, digits = 1): string[] {
  const s = f.samples;
  return [
    f.label,
    fmt(medianOf(f), digits),
    s.length > 0 ? fmt(Math.min(...s), digits) : 'n/a',
    s.length > 0 ? fmt(Math.max(...s), digits) : 'n/a',
    String(s.length),
  ];
}

export function verdict(ok: boolean | undefined): string {
  return ok === undefined ? 'n/a' : ok ? 'PASS' : 'MISS';
}

export function messageOf(e: unknown): string {
  if (e instanceof SwarmError) return e.oneLine();
  return e instanceof Error ? e.message : String(e);
}
