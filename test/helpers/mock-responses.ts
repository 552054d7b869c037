// A loopback stand-in for the Responses API, enough for the real Codex to run a turn offline: every
// request is answered with one assistant message streamed as server-sent events.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface MockResponses {
  /** `http://127.0.0.1:<port>/v1`, for the provider's `base_url`. */
  baseUrl: string;
  requests: number;
  close(): Promise<void>;
}

function sse(event: Record<string, unknown>): string {
  return `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`;
}

export async function startMockResponses(answer: (n: number) => string = (n) => `Mock answer ${n}`): Promise<MockResponses> {
  const state = { requests: 0 };
  const server: Server = createServer((req, res) => {
    req.resume(); // the request body is not needed: every request gets the same kind of answer
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/responses')) {
        res.writeHead(404).end();
        return;
      }
      const n = ++state.requests;
      const id = `resp_${n}`;
      const item = { type: 'message', role: 'assistant', id: `msg_${n}`, status: 'completed', content: [{ type: 'output_text', text: answer(n), annotations: [] }] };
      const usage = { input_tokens: 10, input_tokens_details: { cached_tokens: 0 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 15 };
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(sse({ type: 'response.created', response: { id } }));
      res.write(sse({ type: 'response.output_item.added', output_index: 0, item: { ...item, status: 'in_progress', content: [] } }));
      res.write(sse({ type: 'response.output_item.done', output_index: 0, item }));
      res.write(sse({ type: 'response.completed', response: { id, usage } }));
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get requests() { return state.requests; },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
