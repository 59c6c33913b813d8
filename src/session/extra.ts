import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import type { ServerNotification, ServerRequest } from '@modelcontextprotocol/sdk/types.js';

/** What the SDK hands a request handler: its signal, progress token and a way to reach the client on the request's own stream. */
export type RequestExtra = RequestHandlerExtra<ServerRequest, ServerNotification>;
