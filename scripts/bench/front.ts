// Codex front benchmark: the Codex TUI's resume picker on a generated 10,000-thread home, served by
// the front (threadstate answering `thread/list`, a real Codex app-server behind it) versus the real
// Codex 0.169 app-server alone. Both listen on unix sockets and are driven over WebSocket with the
// picker's exact `thread/list` params. Prints p50/p95 of the first picker page and the time of a
// typed search that matches nothing, which makes the picker page through the whole history.
//
//   node scripts/bench/front.ts [--dir DIR] [--threads 10000] [--page-runs 40] [--walk-runs 3]
//        [--codex-walk-runs 1] [--settle SECONDS] [--json]
//
// The home is generated once and cached under --dir; threadstate's index is built with
// `threadstate backfill`, and Codex gets a warm-up walk (its own state database fills at start-up)
// before anything is timed. Codex is installed by scripts/interop/install-codex.sh. All traffic
// stays on unix sockets; Codex's proxy points at a closed loopback port. Target: >= 20x faster paging.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { generateHome } from './gen-home.ts';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO, 'bin', 'threadstate.mjs');
const TARGET_SPEEDUP = 20;

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The TUI's picker request (codex-cli 0.169, `/resume` and `codex resume --remote`). */
function pickerParams(cursor: string | null): Json {
  return {
    currentAccountOnly: true, cursor, limit: 25, excludedThreadIds: null, sortKey: 'updated_at', sortDirection: null,
    modelProviders: [], sourceKinds: ['cli', 'vscode'], originators: null, archived: false, cwd: null, searchTerm: null,
    parentThreadId: null, ancestorThreadId: null, attachedToThreadId: null,
  };
}

const OFFLINE_CONFIG = `
check_for_update_on_startup = false
[analytics]
enabled = false
[feedback]
enabled = false
[features]
plugins = false
apps = false
remote_plugin = false
daemon_auto_start = false
in_app_updates = false
shell_snapshot = false
`;

function ensureHome(dir: string, threads: number): string {
  const home = join(dir, `home-${threads}`);
  const marker = join(dir, `home-${threads}.done`);
  if (existsSync(marker)) return home;
  rmSync(home, { recursive: true, force: true });
  const t0 = performance.now();
  const gen = generateHome({ out: home, threads, big: 0, seed: 3 });
  appendFileSync(join(home, 'config.toml'), OFFLINE_CONFIG);
  console.log(`generated ${gen.files} rollouts in ${((performance.now() - t0) / 1000).toFixed(1)} s at ${home}`);
  execFileSync(process.execPath, [CLI, 'backfill', '--codex-home', home], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, THREADSTATE_LOG: 'warn' } });
  writeFileSync(marker, '');
  return home;
}

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

async function waitForSocket(path: string, child: ChildProcess, timeoutMs = 120000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await socketAnswers(path))) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    if (Date.now() > deadline) throw new Error(`no server on ${path}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

class Client {
  private readonly socket: WebSocket;
  private nextId = 1;
  private readonly pending = new Map<number, (m: Json) => void>();
  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.on('message', (data) => {
      const m = JSON.parse((data as Buffer).toString('utf8'));
      if (m.method === undefined) this.pending.get(m.id)?.(m);
    });
  }
  static open(path: string): Promise<Client> {
    return new Promise((resolve, reject) => {
      const s = new WebSocket(`ws+unix://${path}:/rpc`, { perMessageDeflate: false, maxPayload: 1 << 30 });
      s.once('open', () => resolve(new Client(s)));
      s.once('error', reject);
    });
  }
  call(method: string, params: Json): Promise<Json> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (m) => {
        this.pending.delete(id);
        if (m.error) reject(new Error(`${method}: ${JSON.stringify(m.error)}`));
        else resolve(m.result);
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }
  async initialize(): Promise<void> {
    await this.call('initialize', { clientInfo: { name: 'codex-tui', title: null, version: '0.169.0' }, capabilities: { experimentalApi: true } });
    this.socket.send(JSON.stringify({ method: 'initialized' }));
  }
  close(): void {
    this.socket.close();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

interface Figures {
  pageP50: number;
  pageP95: number;
  walkMs: number[];
  pages: number;
  rows: number;
}

/** First-page times, then full walks (a typed search that matches nothing pages to the end). */
async function measure(client: Client, pageRuns: number, walkRuns: number): Promise<Figures> {
  const times: number[] = [];
  for (let i = 0; i < pageRuns; i++) {
    const t0 = performance.now();
    await client.call('thread/list', pickerParams(null));
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const walkMs: number[] = [];
  let pages = 0;
  let rows = 0;
  for (let w = 0; w < walkRuns; w++) {
    const t0 = performance.now();
    let cursor: string | null = null;
    pages = 0;
    rows = 0;
    do {
      const page: Json = await client.call('thread/list', pickerParams(cursor));
      pages++;
      rows += page.data.length;
      cursor = page.nextCursor;
    } while (cursor);
    walkMs.push(performance.now() - t0);
  }
  return { pageP50: percentile(times, 50), pageP95: percentile(times, 95), walkMs, pages, rows };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
  return new Promise((r) => child.once('exit', () => { clearTimeout(timer); r(); }));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' }, threads: { type: 'string', default: '10000' }, 'page-runs': { type: 'string', default: '40' },
      'walk-runs': { type: 'string', default: '3' }, settle: { type: 'string', default: '20' }, 'codex-walk-runs': { type: 'string', default: '1' }, json: { type: 'boolean', default: false },
    },
  });
  const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'ts-front-bench-'));
  mkdirSync(dir, { recursive: true });
  const home = ensureHome(dir, Number(values.threads));
  const codex = execFileSync('bash', [join(REPO, 'scripts/interop/install-codex.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim().split('\n').pop()!;
  const env = { ...process.env, HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9', NO_PROXY: '127.0.0.1,localhost', CODEX_HOME: home, THREADSTATE_LOG: 'warn' };
  const sockets = mkdtempSync(join(tmpdir(), 'ts-front-sock-'));
  const pageRuns = Number(values['page-runs']);

  // The real Codex alone.
  const codexSock = join(sockets, 'codex.sock');
  const codexServer = spawn(codex, ['app-server', '--listen', `unix://${codexSock}`], { env, stdio: 'ignore' });
  let codexFigures: Figures;
  try {
    await waitForSocket(codexSock, codexServer);
    const client = await Client.open(codexSock);
    await client.initialize();
    await measure(client, 3, 1); // warm-up: Codex fills its state database while the first walk runs
    codexFigures = await measure(client, pageRuns, Number(values['codex-walk-runs']));
    client.close();
  } finally {
    await stop(codexServer);
  }

  // The front (threadstate answers thread/list; the same Codex behind it).
  const frontSock = join(sockets, 'front.sock');
  const front = spawn(process.execPath, [CLI, 'app-server', '--codex-home', home, '--listen', `unix://${frontSock}`, '--upstream', `${codex} app-server`], { env, stdio: 'ignore' });
  let frontFigures: Figures;
  try {
    await waitForSocket(frontSock, front);
    const client = await Client.open(frontSock);
    await client.initialize();
    // The Codex behind the front has just started and fills its own state database; let it settle
    // so its start-up work does not land in the front's figures (Codex alone had its warm-up walk).
    await new Promise((r) => setTimeout(r, Number(values.settle) * 1000));
    await measure(client, 3, 1);
    frontFigures = await measure(client, pageRuns, Number(values['walk-runs']));
    client.close();
  } finally {
    await stop(front);
    rmSync(sockets, { recursive: true, force: true });
    if (!values.dir) rmSync(dir, { recursive: true, force: true });
  }

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const speedupPage = codexFigures.pageP50 / frontFigures.pageP50;
  const speedupWalk = median(codexFigures.walkMs) / median(frontFigures.walkMs);
  // The two may list different row counts (Codex leaves out threads its state database lacks), so
  // the walk is also compared per page fetched.
  const perPage = (fig: Figures) => median(fig.walkMs) / fig.pages;
  const speedupPerPage = perPage(codexFigures) / perPage(frontFigures);
  const report = {
    threads: Number(values.threads),
    pickerRows: frontFigures.rows,
    codexPickerRows: codexFigures.rows,
    front: { pageP50Ms: frontFigures.pageP50, pageP95Ms: frontFigures.pageP95, searchWalkMs: frontFigures.walkMs, pages: frontFigures.pages },
    codex: { pageP50Ms: codexFigures.pageP50, pageP95Ms: codexFigures.pageP95, searchWalkMs: codexFigures.walkMs, pages: codexFigures.pages },
    speedup: { pageP50: speedupPage, searchWalk: speedupWalk, searchWalkPerPage: speedupPerPage },
  };
  if (values.json) {
    console.log(JSON.stringify(report));
    return;
  }
  const f = (n: number) => n.toFixed(n < 10 ? 2 : 0);
  console.log(`picker on a ${report.threads}-thread home (${report.pickerRows} rows via the front, ${report.codexPickerRows} via Codex)`);
  console.log(`  first page   front p50 ${f(frontFigures.pageP50)} ms  p95 ${f(frontFigures.pageP95)} ms | Codex alone p50 ${f(codexFigures.pageP50)} ms  p95 ${f(codexFigures.pageP95)} ms | ${speedupPage.toFixed(1)}x`);
  console.log(`  search walk  front ${frontFigures.walkMs.map((x) => f(x)).join(', ')} ms (${frontFigures.pages} pages) | Codex alone ${codexFigures.walkMs.map((x) => f(x)).join(', ')} ms (${codexFigures.pages} pages) | ${speedupWalk.toFixed(1)}x`);
  console.log(`  walk per page front ${f(perPage(frontFigures))} ms | Codex alone ${f(perPage(codexFigures))} ms | ${speedupPerPage.toFixed(1)}x`);
  console.log(`  target >= ${TARGET_SPEEDUP}x paging: ${speedupPage >= TARGET_SPEEDUP && speedupPerPage >= TARGET_SPEEDUP ? 'met' : 'NOT met'}`);
}

await main();
