import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY, retryPolicyOf } from './config.js';
import { retryDelayMs } from './retry.js';

/** The delays `retryDelayMs` gives over many draws of its jitter: the smallest and the largest. */
function range(...args: Parameters<typeof retryDelayMs>): [number, number] {
  const draws = Array.from({ length: 200 }, () => retryDelayMs(...args));
  return [Math.min(...draws), Math.max(...draws)];
}

const within = ([low, high]: [number, number], from: number, to: number) => {
  expect(low).toBeGreaterThanOrEqual(from);
  expect(high).toBeLessThanOrEqual(to);
};

describe('a step retry policy (§3.4 of the original)', () => {
  it('fills in the original defaults: 1 attempt, exponential from 2 s, both categories', () => {
    expect(retryPolicyOf({})).toEqual({
      maxAttempts: 1,
      baseDelayMs: 2000,
      maxDelayMs: 30_000,
      backoff: 'exponential',
      retryOn: ['provider_error', 'timeout'],
    });
    expect(
      retryPolicyOf({ max_attempts: 5, backoff: 'fixed', delay_seconds: 45, retry_on: ['timeout'] }),
    ).toEqual({
      maxAttempts: 5,
      baseDelayMs: 45_000,
      maxDelayMs: 45_000,
      backoff: 'fixed',
      retryOn: ['timeout'],
    });
  });

  it('waits base·2^(n−1) for exponential and the base for fixed, plus up to 25% jitter', () => {
    const exponential = retryPolicyOf({ delay_seconds: 1 });
    within(range(exponential, 1), 1000, 1250);
    within(range(exponential, 3), 4000, 5000);
    const fixed = retryPolicyOf({ delay_seconds: 2, backoff: 'fixed' });
    within(range(fixed, 4), 2000, 2500);
  });

  it('caps the backoff at max(30 s, delay_seconds) before the jitter', () => {
    within(range(retryPolicyOf({ delay_seconds: 20 }), 4), 30_000, 37_500);
    within(range(retryPolicyOf({ delay_seconds: 60 }), 3), 60_000, 75_000);
    // Without a step policy: three retries from 1 s, capped at 30 s.
    expect(DEFAULT_RETRY).toMatchObject({ maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 30_000 });
    within(range(DEFAULT_RETRY, 10), 30_000, 37_500);
  });

  it("follows a server's Retry-After instead, up to 300 s", () => {
    expect(retryDelayMs(retryPolicyOf({ delay_seconds: 1 }), 1, 7000)).toBe(7000);
    expect(retryDelayMs(DEFAULT_RETRY, 1, 0)).toBe(0);
    expect(retryDelayMs(DEFAULT_RETRY, 1, 3_600_000)).toBe(300_000);
  });
});
