import { describe, expect, it } from 'vitest';
import type { OverloadResult } from '../overload.js';
import { overloadSection } from './overload-html.js';

const row = (cells: unknown[]) => `<tr>${cells.map((c) => `<td>${String(c)}</td>`).join('')}</tr>`;
const ran: OverloadResult = {
  knee_per_s: 772, knee_run_t_s: [13, 15, 16], knee_stall_t_s: 14, overload_run: true, knee_search: [], knee_search_broke_at_per_s: 1_587,
  offered_per_s: 1_544, goodput_per_s: 1_200, refused: 9_000, refused_share: 0.2, refused_p99_ms: 9, accepted_p99_ms: 150, after_worst_p99_ms: 90, after_errors: 0,
  overload_seconds: [{ t_s: 0, accepted: 1_200, refused: 300, accepted_p99_ms: 150, refused_p99_ms: 9 }], generator_cores_knee: 0.3, generator_cores_overload: 0.5,
};

describe('overload section of the HTML report', () => {
  it('says which seconds the knee came from and the slow one it stepped over', () => {
    const html = overloadSection(ran, row);
    expect(html).toContain('772 /s (seconds 13, 15, 16 of the search, stepping over a lone slow second, 14)');
    expect(html).toContain('1200 /s (155% of the knee)');
    expect(html).toContain('Each second of the overload');
  });

  it('says there was no knee and shows no overload figures when none was run', () => {
    const html = overloadSection({ ...ran, knee_per_s: 0, knee_run_t_s: [], knee_stall_t_s: null, overload_run: false, overload_seconds: [] }, row);
    expect(html).toContain('none: no 3 consecutive seconds held, so the overload was not run');
    expect(html).toContain('broken at 1587 /s offered');
    expect(html).not.toContain('goodput during overload');
    expect(html).not.toContain('Each second of the overload');
  });
});
