import { describe, expect, it } from 'vitest';
import { sumMetric } from './prometheus.js';

const text = `# HELP cache_loads_total x
# TYPE cache_loads_total counter
cache_loads_total{cache="summary"} 7
cache_loads_total{cache="balance"} 3
cache_loads_total_other{cache="summary"} 100
http_requests_total{method="GET",route="/v1/summary",status="200"} 12`;

describe('sumMetric', () => {
  it('sums matching samples only', () => {
    expect(sumMetric(text, 'cache_loads_total')).toBe(10);
    expect(sumMetric(text, 'cache_loads_total', { cache: 'summary' })).toBe(7);
    expect(sumMetric(text, 'http_requests_total', { route: '/v1/summary' })).toBe(12);
    expect(sumMetric(text, 'nope')).toBe(0);
  });
});
