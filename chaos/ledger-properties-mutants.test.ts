import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../testbed/service-harness.js';
import { installBrokenLedger, type BrokenVariant } from './broken-ledgers.js';
import { assertDbMatchesModel, fundedAccount, ledgerCommands, type Model, type Real } from './testing/ledger-model.js';
import { raceOnce, raceOps } from './testing/race.js';

// The properties must be able to fail: each broken make_payment is caught by at least one of them.
let h: Harness;
// Concurrent database calls, one payment each, as several tasks make them: one task alone sends
// one batch at a time, which would hide races from the properties.
const CONCURRENT_TASKS = { PAYMENT_BATCHES_INFLIGHT_MAX: '8', PAYMENT_BATCH_SIZE_MAX: '1' };
beforeEach(async () => { h = await startHarness({ customers: 3, balance_minor: 0n, env: CONCURRENT_TASKS }); });
afterEach(async () => { await h?.stop(); });

async function modelCheck() {
  return fc.check(fc.asyncProperty(fc.commands(ledgerCommands, { maxCommands: 25 }), async (cmds) => {
    const accounts = [];
    for (let i = 0; i < 3; i++) accounts.push(await fundedAccount(h.pool, h, i, 1_000n));
    const model: Model = { accounts, keys: [] };
    await fc.asyncModelRun(() => ({ model, real: { h, history: [] } as Real }), cmds);
    await assertDbMatchesModel(model, h.pool);
  }), { numRuns: 30, seed: 42 });
}

async function raceCheck() {
  let run = 0;
  return fc.check(fc.asyncProperty(raceOps, async (ops) => raceOnce(h, ops, ++run)), { numRuns: 30, seed: 42 });
}

const cases: { variant: BrokenVariant; property: 'model' | 'race' }[] = [
  { variant: 'skip_idempotency', property: 'model' },
  { variant: 'credit_without_debit', property: 'model' },
  { variant: 'lose_ack', property: 'model' },
  { variant: 'no_lock', property: 'race' },
];

describe('the ledger properties catch deliberately broken ledgers', () => {
  it.each(cases)('$variant is caught by the $property property', async ({ variant, property }) => {
    await installBrokenLedger(h.pool, variant);
    const result = property === 'model' ? await modelCheck() : await raceCheck();
    expect(result.failed).toBe(true);
    expect(result.counterexample).not.toBeNull();
  }, 300_000);

  it('and the same checks pass on the real ledger (so a failure above is the mutant, not the test)', async () => {
    expect((await modelCheck()).failed).toBe(false);
    expect((await raceCheck()).failed).toBe(false);
  }, 300_000);
});
