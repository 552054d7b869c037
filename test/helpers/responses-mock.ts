// A loopback stand-in for the OpenAI Responses API, for driving the real Codex offline: every
// POST …/responses streams one assistant message ("<prefix> <n>") as server-sent events. It also
// serves as the HTTPS proxy of the Codex processes and refuses every CONNECT, so nothing leaves
// the machine. Requests are logged for the test to inspect.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export class ResponsesMock {
  readonly server: Server;
  readonly requests: Array<{ method: string; url: string; body: string }> = [];
  private answered = 0;
  private readonly prefix: string;

  private constructor(prefix: string) {
    this.prefix = prefix;
    this.server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => { body += c; });
      req.on('end', () => {
        this.requests.push({ method: req.method ?? '', url: req.url ?? '', body });
        if (req.method === 'POST' && /\/responses$/.test(req.url ?? '')) {
          const n = ++this.answered;
          const responseId = `resp_mock_${n}`;
          const text = `${this.prefix} ${n}`;
          const events = [
            { type: 'response.created', response: { id: responseId } },
            { type: 'response.output_item.added', item: { type: 'message', role: 'assistant', id: `msg_${n}`, content: [] } },
            { type: 'response.output_text.delta', delta: text, item_id: `msg_${n}`, output_index: 0, content_index: 0 },
            { type: 'response.output_item.done', item: { type: 'message', role: 'assistant', id: `msg_${n}`, content: [{ type: 'output_text', text }] } },
            { type: 'response.completed', response: { id: responseId, usage: { input_tokens: 10, input_tokens_details: null, output_tokens: 5, output_tokens_details: null, total_tokens: 15 } } },
          ];
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          for (const event of events) res.write(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`);
          res.end();
          return;
        }
        res.writeHead(404).end();
      });
    });
    this.server.on('connect', (req, socket) => {
      this.requests.push({ method: 'CONNECT', url: req.url ?? '', body: '' });
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
    });
  }

  static async start(prefix = 'MOCK-ANSWER'): Promise<ResponsesMock> {
    const mock = new ResponsesMock(prefix);
    await new Promise<void>((r) => mock.server.listen(0, '127.0.0.1', r));
    return mock;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Environment for a Codex process: the mock is its proxy; loopback goes direct. */
  env(): NodeJS.ProcessEnv {
    const proxy = `http://127.0.0.1:${this.port}`;
    return { HTTPS_PROXY: proxy, https_proxy: proxy, HTTP_PROXY: proxy, http_proxy: proxy, ALL_PROXY: proxy, NO_PROXY: '127.0.0.1,localhost', no_proxy: '127.0.0.1,localhost', REALCODEX_API_KEY: 'offline-test-key' };
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((r) => this.server.close(() => r()));
  }
}
