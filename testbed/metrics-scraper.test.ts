import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { MetricsScraper } from './metrics-scraper.js';

const servers: http.Server[] = [];
afterAll(() => { for (const s of servers) s.close(); });

/** A task's /metrics over real HTTP: a counter that grows by `per_scrape` each scrape, and a gauge. */
async function fakeTask(per_scrape: number, gauge: number): Promise<string> {
  let posted = 0;
  const srv = http.createServer((_req, res) => {
    posted += per_scrape;
    res.end(`# TYPE payments_total counter\npayments_total{outcome="posted"} ${posted}\npayments_total{outcome="overloaded"} 7\n# TYPE db_pool_connections gauge\ndb_pool_connections{state="waiting"} ${gauge}\n`);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  servers.push(srv);
  return `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
}

describe('metrics scraper', () => {
  it('sums gauges and per-second counter increases over tasks; a task that goes away drops out', async () => {
    const a = await fakeTask(10, 2), b = await fakeTask(30, 3);
    let targets = [a, b];
    const scraper = new MetricsScraper(() => targets, [
      { name: 'posted_per_s', metric: 'payments_total', labels: { outcome: 'posted' }, kind: 'rate', unit: '/s' },
      { name: 'waiting', metric: 'db_pool_connections', labels: { state: 'waiting' }, kind: 'gauge', unit: '' },
      { name: 'waiting_worst_milli', metric: 'db_pool_connections', labels: { state: 'waiting' }, kind: 'gauge', unit: '', scale: 1000, over_tasks: 'max' },
    ], 100).start(performance.now());
    await new Promise((r) => setTimeout(r, 450));
    targets = [a, 'http://127.0.0.1:1']; // b is gone; a dead address counts as a failed scrape
    await new Promise((r) => setTimeout(r, 350));
    const view = await scraper.stop();
    const rates = view.series[0]!.points.map(([, v]) => v);
    const gauges = view.series[1]!.points.map(([, v]) => v);
    expect(view.scrapes).toBeGreaterThanOrEqual(6);
    expect(rates[0]).toBe(0); // no previous value yet: no rate, rather than a made-up one
    expect(rates.slice(1, 3)).toEqual([400, 400]); // (10 + 30) per 100 ms
    expect(rates.at(-1)).toBe(100); // only a is left
    expect(gauges[0]).toBe(5);
    expect(gauges.at(-1)).toBe(2);
    // The worst task, scaled: b's 3 while it is there, then a's 2.
    const worst = view.series[2]!.points.map(([, v]) => v);
    expect(worst[0]).toBe(3000);
    expect(worst.at(-1)).toBe(2000);
    expect(view.failed_scrapes).toBeGreaterThan(0);
    // Points are on the run's clock, a tenth of a second apart here.
    const times = view.series[0]!.points.map(([t]) => t);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(0.05);
    expect(times[1]! - times[0]!).toBeLessThan(0.5);
  });
});
