/**
 * The demo's stand-in for the client's LLM. Real clients would forward `sampling/createMessage` to a
 * model; this one recognises the three prompts the server sends and answers each the way a chat
 * model does: a sentence of prose, a fenced JSON block, a sign-off.
 */

export type SamplingKind = 'planner' | 'research' | 'repair';

/** Which server prompt a sampling request carries, judged by its system prompt. */
export function samplingKind(systemPrompt: string): SamplingKind | undefined {
  if (systemPrompt.startsWith('You are the task planner')) return 'planner';
  if (systemPrompt.startsWith('You are the repair planner')) return 'repair';
  if (systemPrompt.includes('research assistant')) return 'research';
  return undefined;
}

export const FAILING_COMMAND = 'test -f tsconfig.strict.json';

const PLAN = [
  {
    description: 'List the files in the project root',
    action: 'shell',
    command: 'ls -la',
    depends_on: [],
    tier: 'read',
    estimated_tokens: 0,
  },
  {
    description: 'Read package.json for the TypeScript toolchain and scripts',
    action: 'shell',
    input: { command: 'cat package.json' },
    depends_on: [0],
    tier: 'read',
    estimated_tokens: 0,
  },
  {
    description: 'Check which Node.js version runs the project',
    action: 'shell',
    command: 'node --version',
    depends_on: [1],
    tier: 'execute',
    estimated_tokens: 0,
  },
  {
    description: 'Find the strictness and module settings in tsconfig.json',
    action: 'shell',
    command: `grep -nE '"(strict|noUncheckedIndexedAccess|module|moduleResolution)"' tsconfig.json`,
    depends_on: [2],
    tier: 'read',
    estimated_tokens: 0,
  },
  {
    description: 'Confirm the tsconfig.strict.json that the typecheck:ci script uses exists',
    action: 'shell',
    command: FAILING_COMMAND,
    depends_on: [3],
    tier: 'read',
    estimated_tokens: 0,
  },
  {
    description: 'Research which compiler options matter most for a strict Node 20 ESM project',
    action: 'research',
    query: 'For a Node 20 ESM TypeScript project, which tsconfig compilerOptions matter most for strictness and module resolution?',
    depends_on: [3],
    tier: 'read',
    estimated_tokens: 800,
  },
  {
    description: 'Report the TypeScript setup findings to the user',
    action: 'notify',
    message: 'TypeScript setup checked: tsconfig.json and tsconfig.strict.json are both in place.',
    depends_on: [4, 5],
    tier: 'read',
    estimated_tokens: 0,
  },
];

const PRINT_OPTIONS =
  "node -e \"const o = JSON.parse(require('fs').readFileSync('tsconfig.json', 'utf8')).compilerOptions; " +
  "for (const [k, v] of Object.entries(o)) console.log(k + ': ' + v)\"";

const REPAIR = [
  { description: 'List the tsconfig files that do exist', action: 'shell', command: 'ls tsconfig*.json', depends_on: [], tier: 'read' },
  { description: 'Print every compilerOption tsconfig.json sets', action: 'shell', command: PRINT_OPTIONS, depends_on: [0], tier: 'read' },
  {
    description: 'Tell the user what was found, including the broken typecheck:ci script',
    action: 'notify',
    message:
      'TypeScript setup: tsconfig.json is strict (strict, noUncheckedIndexedAccess, module NodeNext). ' +
      'But the typecheck:ci script runs tsc -p tsconfig.strict.json, which does not exist: point it at tsconfig.json or add the file.',
    depends_on: [1],
    tier: 'read',
  },
];

const RESEARCH_ANSWER = `For a Node 20 ESM project, these compilerOptions carry most of the weight:
- "strict": true — turns on strictNullChecks, noImplicitAny and the other strict family checks.
- "module" and "moduleResolution": "NodeNext" — match Node's ESM rules (explicit .js suffixes on relative imports).
- "noUncheckedIndexedAccess": true — index access yields T | undefined, catching a common class of crashes.
- "target": "ES2022" or later — Node 20 runs it natively, so nothing is down-levelled.
I can't see your files, so compare this list with the tsconfig.json the earlier steps printed.`;

/** The scripted reply to one kind of sampling request. */
export function scriptedReply(kind: SamplingKind): string {
  switch (kind) {
    case 'planner':
      return fenced(
        "Here's a read-only plan: look at the project files, then the compiler settings, then report.",
        PLAN,
        'Nothing here writes to the project; the research step only uses me.',
      );
    case 'research':
      return RESEARCH_ANSWER;
    case 'repair':
      return fenced(
        "tsconfig.strict.json doesn't exist, so retrying won't help. I'll read the settings from tsconfig.json " +
          'itself and flag the typecheck:ci script that points at the missing file.',
        REPAIR,
        'These steps build on the grep output that already succeeded.',
      );
  }
}

/** How many steps the scripted plan and the scripted repair contain (the demo checks both). */
export const PLAN_STEP_COUNT = PLAN.length;
export const REPAIR_STEP_COUNT = REPAIR.length;

function fenced(prose: string, steps: unknown[], signOff: string): string {
  return `${prose}\n\n\`\`\`json\n${JSON.stringify(steps, null, 2)}\n\`\`\`\n\n${signOff}`;
}
