/**
 * A real HTTP receiver on 127.0.0.1 for event deliveries: records every request (decoded with the
 * project's PHP-semantics parser) and answers as the test says (status, or hang).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { parsePhpQuery } from '../../src/protocol/formDecoding.js';

export interface Received {
  path: string;
  contentType: string | undefined;
  raw: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
}

export class Receiver {
  readonly received: Received[] = [];
  /** what to answer: a status, or 'hang' (never answer until closed) */
  mode: number | 'hang' = 200;
  private readonly hanging = new Set<ServerResponse>();
  private waiters: (() => void)[] = [];
  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(port = 0): Promise<Receiver> {
    let self: Receiver | undefined;
    const server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let raw = '';
      req.setEncoding('utf8');
      req.on('data', (d) => (raw += d));
      req.on('end', () => {
        self!.received.push({ path: req.url ?? '', contentType: req.headers['content-type'], raw, body: JSON.parse(JSON.stringify(parsePhpQuery(raw))) });
        for (const w of self!.waiters.splice(0)) w();
        if (self!.mode === 'hang') self!.hanging.add(res);
        else res.writeHead(self!.mode).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
    const addr = server.address();
    const p = typeof addr === 'object' && addr ? addr.port : port;
    self = new Receiver(server, `http://127.0.0.1:${p}`);
    return self;
  }

  /** Resolves once at least `n` requests arrived (fails after `ms`). */
  async waitFor(n: number, ms = 20_000): Promise<Received[]> {
    const until = Date.now() + ms;
    while (this.received.length < n) {
      if (Date.now() > until) throw new Error(`expected ${n} deliveries, got ${this.received.length}: ${JSON.stringify(this.received.map((r) => r.body.event))}`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 200);
        this.waiters.push(() => {
          clearTimeout(t);
          r();
        });
      });
    }
    return this.received;
  }

  ofEvent(event: string): Received[] {
    return this.received.filter((r) => r.body.event === event);
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
