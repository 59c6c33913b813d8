import { clipMiddle, clipRecord, clipText, jsonLength } from '../engine/views/clip.js';
import type { PlannedTask } from '../engine/plan/create-task.js';
import type { Step } from '../engine/model.js';
import { STEP_FIELD_CAPS } from '../engine/views/step-view.js';
import { taskUri } from '../resources/uris.js';

/**
 * What a `plan` result echoes of a big plan. The plan text is shown twice (in `planText` and in
 * the text content), so both caps together keep the result near 60,000 characters whatever the
 * plan holds; the whole plan is in the task resource and `planHash` covers all of it.
 */
const PLAN_TEXT_CAP = 20_000;
const PLAN_LINE_CAP = 300;
/** A clipped line keeps its end: a step line ends with its tier marker and what it runs after. */
const PLAN_LINE_TAIL = 100;
/** The closing paragraph (how to approve) is kept when it is at most this long. */
const FOOTER_CAP = 1_000;
const ECHO_BUDGET = 16_000;

/** The plan text cut to its first lines, each clipped, with a line saying what was left out and where it is. */
export function boundedPlanText({ task, graph, planText }: PlannedTask): string {
  const lines = planText.split('\n').map((line) => clipMiddle(line, PLAN_LINE_CAP, PLAN_LINE_TAIL));
  if (planText.length <= PLAN_TEXT_CAP && lines.join('\n') === planText) return planText;
  const footerStart = lines.lastIndexOf('') + 1;
  const footer = footerStart > 0 && lines.slice(footerStart).join('\n').length <= FOOTER_CAP ? lines.slice(footerStart) : [];
  const body = footer.length > 0 ? lines.slice(0, footerStart - 1) : lines;
  const room = PLAN_TEXT_CAP - footer.join('\n').length - 400;
  const kept: string[] = [];
  let used = 0;
  for (const line of body) {
    if (used + line.length + 1 > room) break;
    kept.push(line);
    used += line.length + 1;
  }
  if (kept.length === body.length) return [...kept, '', ...footer].join('\n');
  const shownSteps = Math.max(0, ...kept.map((line) => Number(/^\s+(\d+)\.\s/.exec(line)?.[1] ?? 0)));
  const rest = graph
    .topologicalOrder()
    .slice(shownSteps)
    .map((id) => graph.step(id));
  return [...kept, omittedLine(task.id, shownSteps, rest), '', ...footer].join('\n');
}

function omittedLine(taskId: string, shown: number, rest: Step[]): string {
  const risky = rest.filter((step) => step.tier === 'destructive' || step.tier === 'external').length;
  const among = risky === 1 ? 'is 1 step' : `are ${risky} steps`;
  const warning = risky === 0 ? '' : ` Among them ${among} marked destructive or external, confirmed before running.`;
  const which = rest.length > 0 ? `Steps ${shown + 1}–${shown + rest.length} are not shown here` : 'The rest of the plan is not shown here';
  return (
    `  … ${which}, to keep this result small.${warning} Read them with status { taskId: "${taskId}", ` +
    `stepOffset: ${shown} } or the resource ${taskUri(taskId)}.`
  );
}

/** The planned steps as echoed: each field capped like a status view, as many as fit. */
export function echoedSteps(steps: readonly Step[]): Step[] {
  const echoed: Step[] = [];
  let used = 0;
  for (const step of steps) {
    const capped: Step = {
      ...step,
      description: clipText(step.description, STEP_FIELD_CAPS.description),
      input: clipRecord(step.input, STEP_FIELD_CAPS.input),
    };
    const cost = jsonLength(capped) + 1;
    if (echoed.length > 0 && used + cost > ECHO_BUDGET) break;
    echoed.push(capped);
    used += cost;
  }
  return echoed;
}
