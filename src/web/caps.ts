import type { AuditEntry, StepView, TaskAudit, TaskListItem, WebTaskView } from './operator.js';

/**
 * What the page receives, in characters. The task page shows every step (the graph needs them
 * all), so each field is cut instead; stdout and stderr carry their full length for "show all".
 */
export const WEB_CAPS = {
  request: 20_000,
  listRequest: 300,
  text: 4_000,
  value: 4_000,
  output: 8_000,
  /** One stream of one step when the page asks for all of it. */
  fullOutput: 1_000_000,
  audit: 4_000,
} as const;

export type WebStep = Omit<StepView, 'outputs'> & {
  outputs?: NonNullable<StepView['outputs']> & { stdoutChars: number; stderrChars: number };
};

export type WebTask = Omit<WebTaskView, 'steps'> & { steps: WebStep[] };

/** `text` cut to `max` characters (never half a surrogate pair), with a visible mark when cut. */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const end = /[\uD800-\uDBFF]/.test(text.charAt(max - 1)) ? max - 1 : max;
  return `${text.slice(0, end)}…`;
}

function cutValue(value: unknown, max: number): unknown {
  const json = JSON.stringify(value);
  return json === undefined || json.length <= max ? value : { truncated: true, preview: cut(json, max / 2) };
}

export function capStep(step: StepView, outputCap: number): WebStep {
  const { outputs, ...rest } = step;
  const capped: WebStep = {
    ...rest,
    description: cut(step.description, WEB_CAPS.text),
    input: cutValue(step.input, WEB_CAPS.value) as Record<string, unknown>,
    ...(step.summary !== undefined ? { summary: cut(step.summary, WEB_CAPS.text) } : {}),
    ...(step.error !== undefined ? { error: cut(step.error, WEB_CAPS.text) } : {}),
    ...(step.reason !== undefined ? { reason: cut(step.reason, WEB_CAPS.text) } : {}),
  };
  if (outputs) {
    capped.outputs = {
      ...outputs,
      stdout: cut(outputs.stdout, outputCap),
      stderr: cut(outputs.stderr, outputCap),
      stdoutChars: outputs.stdout.length,
      stderrChars: outputs.stderr.length,
      data: cutValue(outputs.data, WEB_CAPS.value),
      artifacts: outputs.artifacts.slice(0, 50).map((path) => cut(path, 500)),
    };
  }
  return capped;
}

export function capTask(view: WebTaskView): WebTask {
  const { awaiting, ...rest } = view;
  return {
    ...rest,
    request: cut(view.request, WEB_CAPS.request),
    summaryText: cut(view.summaryText, WEB_CAPS.request),
    steps: view.steps.map((step) => capStep(step, WEB_CAPS.output)),
    // The replan prompt is for the host that writes corrective steps, not for this page.
    ...(awaiting ? { awaiting: awaiting.map((a) => (a.kind === 'replan' ? { ...a, prompt: cut(a.prompt, WEB_CAPS.text) } : a)) } : {}),
  };
}

export function capListItem(item: TaskListItem): TaskListItem {
  return { ...item, request: cut(item.request, WEB_CAPS.listRequest) };
}

export function capAudit(audit: TaskAudit): TaskAudit {
  const field = (text: string | undefined): string | undefined => (text === undefined ? undefined : cut(text, WEB_CAPS.audit));
  const entry = (e: AuditEntry): AuditEntry => {
    const capped: AuditEntry = { ...e };
    for (const key of ['request', 'action', 'comment', 'stdout', 'stderr'] as const) {
      const value = field(e[key]);
      if (value !== undefined) capped[key] = value;
    }
    return capped;
  };
  return { ...audit, entries: audit.entries.map(entry) };
}
