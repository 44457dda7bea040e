// Money is an integer count of minor units, bigint end to end; JSON carries it as a string
// (or a safe integer number on input) because a JS number silently loses precision past 2^53.
export const AMOUNT_MINOR_MAX = 2n ** 63n - 1n; // Postgres bigint

const currencies = new Set(Intl.supportedValuesOf('currency'));

export function isKnownCurrency(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && currencies.has(code);
}

/** Returns the amount or a reason it is not a positive integer amount in range. */
export function parseAmountMinor(value: unknown): bigint | string {
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return 'must be an integer count of minor units (no fractions)';
    if (!Number.isSafeInteger(value)) return 'is beyond 2^53-1; send large amounts as a decimal string';
    value = String(value);
  }
  if (typeof value !== 'string') return 'must be an integer (number or decimal string)';
  if (!/^-?\d{1,20}$/.test(value)) return 'must be an integer written in decimal digits';
  const amount = BigInt(value);
  if (amount <= 0n) return 'must be greater than zero';
  if (amount > AMOUNT_MINOR_MAX) return 'must be at most 9223372036854775807 (2^63-1)';
  return amount;
}
