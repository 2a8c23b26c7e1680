import { describe, expect, it } from 'vitest';
import { redactStoreUrl, scrub } from './index.js';

describe('secrets of a store URL', () => {
  it('hides the password and password-like parameters, keeping the rest readable', () => {
    expect(redactStoreUrl('postgres://u:pw@h:5432/db?sslpassword=zz&schema=a')).toBe(
      'postgres://u:***@h:5432/db?sslpassword=***&schema=a',
    );
    expect(redactStoreUrl('postgres://u@h/db')).toBe('postgres://u@h/db');
    expect(redactStoreUrl('postgres://u:p%40ss@/db host')).not.toContain('p%40ss');
  });

  it('scrubs a secret from a driver message, however often it appears', () => {
    expect(scrub('bad pw hunter2 / hunter2', ['hunter2'])).toBe('bad pw *** / ***');
  });
});
