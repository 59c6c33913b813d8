import { z } from 'zod';
import { definePlugin } from '../src/plugins/api.js';

/** Tells the user something: through the MCP client's log stream, or as part of the final report. */
export default definePlugin({
  apiVersion: 1,
  name: 'notify',
  description: 'Tells the user a result or a blocker. Channel "default"/"mcp" sends it to the MCP client; put it last.',
  tier: 'read',
  fromDescription: 'message',
  input: z.object({
    channel: z.string().default('default').describe('Where to send it: "default" or "mcp"'),
    message: z.string().min(1).describe('What to tell the user'),
  }),
  async run(input, ctx) {
    const viaClient = input.channel === 'default' || input.channel === 'mcp';
    if (viaClient && (await ctx.notify(input.message, 'info'))) {
      return { summary: `Notified via mcp: ${input.message}`, stdout: 'Delivered via mcp (client log notification)' };
    }
    // No reachable channel is not a failure: the message goes into the task report instead, and a
    // replan must not chase more notify steps.
    return { summary: `Notify (no external channel — included in this report): ${input.message}`, stdout: input.message };
  },
});
