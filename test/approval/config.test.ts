import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function withConfigFile(content: unknown) {
  dir = mkdtempSync(join(tmpdir(), 'orchestrate-approval-config-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(content));
  return loadConfig(['--config', file], {});
}

describe('approval config', () => {
  it('defaults to policy "auto" and a 600 s plan-approval form', () => {
    const result = loadConfig([], {});
    expect(result.ok && result.config.approvalPolicy).toBe('auto');
    expect(result.ok && result.config.planApprovalTimeoutMs).toBe(600_000);
  });

  it('reads approval.policy and approval.planTimeoutSeconds from the config file', () => {
    const result = withConfigFile({ approval: { policy: 'elicitation', planTimeoutSeconds: 90 } });
    expect(result.ok && result.config.approvalPolicy).toBe('elicitation');
    expect(result.ok && result.config.planApprovalTimeoutMs).toBe(90_000);
  });

  it('names an unknown policy among the start-up problems', () => {
    const result = withConfigFile({ approval: { policy: 'whenever' } });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problems.join('\n')).toMatch(/approval\.policy/);
  });
});
