import fc from 'fast-check';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startHarness, type Harness } from '../testbed/service-harness.js';
import { assertDbMatchesModel, fundedAccount, ledgerCommands, type Model, type Real } from './testing/ledger-model.js';
import { raceOnce, raceOps } from './testing/race.js';

// CI runs a fixed, small number; `npm run soak:ledger` sets LEDGER_PROPERTY_RUNS much higher.
// A failure prints fast-check's seed and path; FC_SEED=<seed> FC_PATH=<path> replays it exactly.
const RUNS = Number(process.env.LEDGER_PROPERTY_RUNS ?? 15);
const replay = process.env.FC_SEED ? { seed: Number(process.env.FC_SEED), ...(process.env.FC_PATH ? { path: process.env.FC_PATH } : {}) } : {};

let h: Harness;
// Concurrent database calls, one payment each, as several tasks make them: one task alone sends
// one batch at a time, which would hide races from the properties.
const CONCURRENT_TASKS = { PAYMENT_BATCHES_INFLIGHT_MAX: '8', PAYMENT_BATCH_SIZE_MAX: '1' };
beforeAll(async () => { h = await startHarness({ customers: 3, balance_minor: 0n, env: CONCURRENT_TASKS }); });
afterAll(async () => { await h?.stop(); });

describe('ledger properties against the real service and Postgres', () => {
  it('model-based: any sequence of payments, replays, key reuse, foreign debits and reads agrees with the model', async () => {
    await fc.assert(fc.asyncProperty(fc.commands(ledgerCommands, { maxCommands: 25 }), fc.array(fc.bigInt({ min: 0n, max: 2_000n }), { minLength: 3, maxLength: 4 }), async (cmds, starts) => {
      const accounts = [];
      for (const [i, s] of starts.entries()) accounts.push(await fundedAccount(h.pool, h, i % 3, s));
      const model: Model = { accounts, keys: [] };
      const real: Real = { h, history: [] };
      await fc.asyncModelRun(() => ({ model, real }), cmds);
      await assertDbMatchesModel(model, h.pool);
    }), { numRuns: RUNS, ...replay });
  }, 300_000);

  it('concurrency: racing clients on the same accounts and keys get one winner per key, no overdraft, no lost money, no deadlock', async () => {
    let run = 0;
    await fc.assert(fc.asyncProperty(raceOps, async (ops) => raceOnce(h, ops, ++run)), { numRuns: RUNS, ...replay });
  }, 300_000);
});

describe('ledger properties with the default group commit (many payments per database call)', () => {
  let batched: Harness;
  beforeAll(async () => { batched = await startHarness({ customers: 3, balance_minor: 0n }); });
  afterAll(async () => { await batched?.stop(); });

  it('concurrency: the same promises hold when racing payments share batches', async () => {
    let run = 1_000;
    await fc.assert(fc.asyncProperty(raceOps, async (ops) => raceOnce(batched, ops, ++run)), { numRuns: RUNS, ...replay });
  }, 300_000);
});
