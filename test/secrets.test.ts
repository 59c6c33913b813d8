import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createMasker, secretValuesOf } from '../src/secrets.js';

describe('createMasker', () => {
  it('replaces every occurrence of every secret, the longest first', () => {
    const masker = createMasker(['abcd1234', 'abcd1234-and-more']);
    expect(masker.mask('x abcd1234-and-more y abcd1234 z')).toBe('x *** y *** z');
  });

  it('masks strings anywhere in a JSON-like value, keys included, and leaves other values alone', () => {
    const masker = createMasker(['hunter22']);
    const masked = masker.maskDeep({ a: ['hunter22!', 3, null], hunter22: { b: true, c: 'ok' } });
    expect(masked).toEqual({ a: ['***!', 3, null], '***': { b: true, c: 'ok' } });
  });

  it('escapes regular-expression characters in secret values', () => {
    const masker = createMasker(['a.b*c(d)']);
    expect(masker.mask('a.b*c(d) axbbc(d)')).toBe('*** axbbc(d)');
  });

  it('ignores values too short or too common to mask without garbling text', () => {
    const masker = createMasker(['', 'abc', 'true', 'null']);
    expect(masker.empty).toBe(true);
    expect(masker.mask('abc true null')).toBe('abc true null');
  });
});

describe('secret values of the environment', () => {
  it('takes the values of variables named like tokens, secrets, keys and passwords', () => {
    const values = secretValuesOf({
      GITHUB_TOKEN: 'ghp_xxxxxxxx',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG',
      DB_PASSWORD: 'correct horse',
      HOME: '/home/me',
      PATH: '/usr/bin',
    });
    expect(values.sort()).toEqual(['correct horse', 'ghp_xxxxxxxx', 'wJalrXUtnFEMI/K7MDENG']);
  });

  it('loadConfig masks those, the bearer token and the configured secrets, in either config shape', () => {
    const env = { ORCHESTRATE_TOKEN: 'bearer-token-1', OPENAI_API_KEY: 'sk-test-123456', PATH: '/usr/bin' };
    const loaded = loadConfig(['--token', 'flag-token-22'], env);
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    expect(loaded.config.secretValues).toEqual(expect.arrayContaining(['bearer-token-1', 'sk-test-123456', 'flag-token-22']));
    expect(loaded.config.secretValues).not.toContain('/usr/bin');
    expect(loaded.config.exec.env).toEqual({ PATH: '/usr/bin' });
  });
});
