import * as hdr from 'hdr-histogram-js';

// Microsecond resolution, 3 significant digits, up to 5 minutes: enough for any timeout we set.
const LOWEST_US = 1;
const HIGHEST_US = 300_000_000;

export interface LatencySummary {
  count: number; mean_ms: number; p50_ms: number; p90_ms: number; p95_ms: number;
  p99_ms: number; p999_ms: number; max_ms: number;
}

export class LatencyHistogram {
  private readonly h = hdr.build({ lowestDiscernibleValue: LOWEST_US, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3, autoResize: false });

  record(latency_ms: number) {
    this.h.recordValue(Math.min(HIGHEST_US, Math.max(LOWEST_US, Math.round(latency_ms * 1000))));
  }

  get count(): number { return this.h.totalCount; }

  percentile_ms(p: number): number { return this.h.getValueAtPercentile(p) / 1000; }

  summary(): LatencySummary {
    const r = (v: number) => Math.round(v * 1000) / 1000;
    return {
      count: this.h.totalCount,
      mean_ms: r(this.h.totalCount ? this.h.mean / 1000 : 0),
      p50_ms: r(this.percentile_ms(50)), p90_ms: r(this.percentile_ms(90)), p95_ms: r(this.percentile_ms(95)),
      p99_ms: r(this.percentile_ms(99)), p999_ms: r(this.percentile_ms(99.9)), max_ms: r(this.h.maxValue / 1000),
    };
  }

  /** Compressed HdrHistogram encoding, so a report's histogram can be re-read and merged later. */
  encode(): string { return hdr.encodeIntoCompressedBase64(this.h); }
}
