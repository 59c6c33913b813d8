import type { SamplingKind } from './scripted-llm.js';
import type { LogParams, SamplingParams } from './session.js';
import { oneLine, type Ui } from './ui.js';

/** The text of a sampling request's first message. */
export function userText(params: SamplingParams): string {
  const content = params.messages[0]?.content;
  const blocks = Array.isArray(content) ? content : content ? [content] : [];
  return blocks.map((block) => (block.type === 'text' ? block.text : '')).join('\n');
}

/** Shows a `sampling/createMessage` request arriving from the server. */
export function showSamplingRequest(ui: Ui, kind: SamplingKind, params: SamplingParams): void {
  const system = params.systemPrompt ?? '';
  const user = userText(params);
  switch (kind) {
    case 'planner': {
      const catalogue = system.split('Available actions:\n')[1]?.split('\n\n')[0] ?? '';
      const actions = [...catalogue.matchAll(/^- "([\w-]+)":/gm)].map((m) => m[1]);
      ui.event('⇠', 'magenta', `${ui.paint('bold', 'sampling/createMessage')} from the server: decompose the request`);
      ui.block(
        [
          `system: ${oneLine(system, 90)} (${system.length} chars)`,
          `        it lists the ${actions.length} loaded actions: ${actions.join(', ')}`,
          `user:   ${user
            .split('\n')
            .filter((l) => l.trim() !== '')
            .join('\n        ')}`,
        ].join('\n'),
        { style: 'dim' },
      );
      break;
    }
    case 'research':
      ui.event('⇠', 'magenta', `${ui.paint('bold', 'sampling/createMessage')} from the running research step:`);
      ui.block(`user: ${user}`, { style: 'dim' });
      break;
    case 'repair': {
      const pick = (label: string): string => user.split('\n').find((l) => l.startsWith(label)) ?? `${label} ?`;
      const succeeded = user.split('\n').filter((l) => l.startsWith('- ')).length;
      ui.event('⇠', 'magenta', `${ui.paint('bold', 'sampling/createMessage')} from the server: the repair planner prompt`);
      ui.block(
        [
          `system: ${oneLine(system, 90)}`,
          `user:   ${oneLine(user, 90)}`,
          `        What already succeeded (do NOT redo): ${succeeded} steps, with their stdout`,
          `        ${pick('Failed step:')}`,
          `        ${pick('Actual error:')}`,
        ].join('\n'),
        { style: 'dim' },
      );
      break;
    }
  }
}

/** Shows what the scripted LLM answers, each step of a JSON block on one line. */
export function showReply(ui: Ui, kind: SamplingKind, reply: string): void {
  const steps = (reply.match(/"description":/g) ?? []).length;
  const what = kind === 'research' ? 'an answer in prose' : `prose and a fenced JSON block of ${steps} steps`;
  ui.event('⇢', 'magenta', `the scripted LLM replies with ${what}:`);
  ui.block(
    reply.replace(/```json\n([\s\S]*?)```/, (_, json: string) => `\`\`\`json\n${compactSteps(json)}\n\`\`\``),
    { style: 'dim' },
  );
}

function compactSteps(json: string): string {
  const steps = JSON.parse(json) as unknown[];
  const lines = steps.map((step, i) => `  ${oneLine(JSON.stringify(step), 104)}${i < steps.length - 1 ? ',' : ''}`);
  return ['[', ...lines, ']'].join('\n');
}

/** The `data` of a log notification as a record (the server always sends an object). */
export function logData(params: LogParams): Record<string, unknown> {
  return typeof params.data === 'object' && params.data !== null ? (params.data as Record<string, unknown>) : {};
}

/** Shows the log notifications worth a line of their own; returns the notify message if it was one. */
export function showLog(ui: Ui, params: LogParams): string | undefined {
  const data = logData(params);
  if (data['event'] === 'notify') {
    const message = String(data['message'] ?? '');
    ui.event('✉', 'cyan', `${ui.paint('bold', 'notification to you')} (MCP log, level ${params.level}, from ${String(data['stepId'])}):`);
    ui.block(message, { style: 'cyan' });
    return message;
  }
  if (data['event'] === 'replanned') {
    const added = Array.isArray(data['added']) ? data['added'].join(', ') : '';
    ui.event('·', 'dim', ui.paint('dim', `server log: replanned, added ${added}`));
  }
  return undefined;
}
