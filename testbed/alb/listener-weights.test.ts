import { describe, expect, it } from 'vitest';
import { parseGroupWeights, SERVER_WEIGHT_MAX, serverWeights } from './listener-weights.js';

describe('listener weights as HAProxy server weights', () => {
  it('splits each group\'s share evenly over its targets, scaled into 1..256', () => {
    const w = serverWeights({ blue: 90, green: 10 }, new Map([['blue', ['b1', 'b2']], ['green', ['g1', 'g2']]]));
    expect(w.get('b1')).toBe(SERVER_WEIGHT_MAX);
    const green = w.get('g1')! + w.get('g2')!;
    expect(green / (green + w.get('b1')! + w.get('b2')!)).toBeCloseTo(0.1, 2);
  });

  it('gives 0 to a group the listener does not name, and at least 1 to a tiny share', () => {
    const w = serverWeights({ blue: 999, green: 1 }, new Map([['blue', ['b1']], ['green', ['g1']], ['canary', ['c1']]]));
    expect([w.get('b1'), w.get('g1'), w.get('c1')]).toEqual([256, 1, 0]);
  });

  it('refuses weights an ALB refuses, naming the group', () => {
    expect(() => parseGroupWeights({ blue: 0 })).toThrow(/at least one target group needs a weight above 0/);
    expect(() => parseGroupWeights({ blue: 1.5 })).toThrow(/blue must be an integer 0..999, got 1.5/);
    expect(() => parseGroupWeights({ Blue: 1 })).toThrow(/lower-case/);
    expect(() => parseGroupWeights([1])).toThrow(/object/);
    expect(parseGroupWeights({ blue: 0, green: 999 })).toEqual({ blue: 0, green: 999 });
  });
});
