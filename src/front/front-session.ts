// One client connection of the front: history reads answered by threadstate, everything else
// relayed to this connection's own link to the upstream Codex app-server, server requests and
// notifications relayed back unchanged. The client's `initialize` is forwarded (its answer, with
// the upstream's userAgent, is the one the client sees) and replayed on a new link after the
// upstream went away.

import { errorMessage } from '../errors.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { logger } from '../logs/logger.ts';
import { errorResponse, type LocalEndpoint } from '../server/local-endpoint.ts';
import { isNotification, isRequest, type JsonMessage, type MessageChannel } from '../server/transports/channel.ts';
import { MintedCursors, routeRequest, upstreamKnows, type RoutingFacts } from './routing.ts';
import type { Upstream } from './upstream.ts';
import type { UpstreamLink } from './upstream-link.ts';
import { WRITE_METHODS, WRITE_NOTIFICATIONS, type UpstreamWrites } from './upstream-writes.ts';

const log = logger('front.session');

export interface FrontSessionOptions {
  /**
   * When the client's input ends, finish answering what it asked before closing the upstream
   * link (stdio, where output outlives input); a WebSocket peer that left cannot read answers, so
   * its link closes at once.
   */
  drainOnClose?: boolean;
  /** Where the upstream's writes are reported (shared by the connections of one front). */
  writes?: UpstreamWrites;
}

export class FrontSession implements RoutingFacts {
  private readonly client: MessageChannel;
  private readonly local: LocalEndpoint;
  private readonly upstream: Upstream | null;
  private readonly writes: UpstreamWrites | null;
  private readonly minted = new MintedCursors();
  private link: UpstreamLink | null = null;
  private linking: Promise<UpstreamLink> | null = null;
  /** The client's `initialize` params, replayed on every new link. */
  private initializeParams: unknown = undefined;
  private upstreamInitializeAnswer: JsonMessage | null = null;
  private clientInitialized = false;
  /** Server messages that arrive before the client has its `initialize` answer wait here. */
  private heldServerMessages: JsonMessage[] | null = null;
  private ended = false;
  private pausedLink: UpstreamLink | null = null;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(client: MessageChannel, local: LocalEndpoint, upstream: Upstream | null, options: FrontSessionOptions = {}) {
    this.client = client;
    this.local = local;
    this.upstream = upstream;
    this.writes = options.writes ?? null;
    client.onMessage((m) => this.receive(m));
    client.onClose(() => {
      if (options.drainOnClose) void this.settled().then(() => this.end());
      else this.end();
    });
  }

  isLoadedUpstream(threadId: string): boolean {
    return this.upstream?.loaded.has(threadId) ?? false;
  }

  mintedLocally(cursor: string): boolean {
    return this.minted.has(cursor);
  }

  private receive(message: JsonMessage): void {
    if (isRequest(message)) {
      const work = this.handleRequest(message).catch((err: unknown) => {
        log.error('request failed in the front', { connection: this.client.label, method: message.method, error: errorMessage(err) });
        return this.client.send(errorResponse(message.id, ErrorCode.InternalError, `internal error while handling ${String(message.method)}: ${errorMessage(err)}`));
      });
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
      return;
    }
    if (isNotification(message) && message.method === 'initialized') this.clientInitialized = true;
    // Other notifications and the client's answers to server requests belong to the upstream.
    if (this.upstream) void this.relayToUpstream(message);
  }

  private async relayToUpstream(message: JsonMessage): Promise<void> {
    const link = this.link && !this.link.closed ? this.link : this.linking ? await this.linking.catch(() => null) : null;
    if (!link) {
      log.debug('dropped a client message: no upstream link', { connection: this.client.label, method: message.method });
      return;
    }
    await link.send(message);
  }

  private async handleRequest(request: JsonMessage): Promise<void> {
    const method = String(request.method);
    if (method === 'initialize') return this.initialize(request);
    if (!this.upstream || !this.local.session.initialized) return this.answerLocally(request);
    if (routeRequest(method, request.params, this) === 'local') {
      await this.writes?.caughtUp();
      const answer = await this.local.answer(request.id, method, request.params);
      log.debug('answered from the index', { connection: this.client.label, method, ok: answer.error === undefined });
      // What threadstate cannot answer (a thread the index does not know, still only in the
      // upstream's memory; params it does not support) Codex may: it has the last word. With no
      // upstream reachable, threadstate's own error is the answer.
      if (answer.error !== undefined && upstreamKnows(method) && (await this.ensureLink().catch(() => null))) return this.forward(request);
      return this.sendLocalAnswer(method, answer);
    }
    return this.forward(request);
  }

  private async answerLocally(request: JsonMessage): Promise<void> {
    const method = String(request.method);
    const answer = await this.local.answer(request.id, method, request.params);
    await this.sendLocalAnswer(method, answer);
  }

  private sendLocalAnswer(method: string, answer: JsonMessage): Promise<void> {
    if (answer.result !== undefined) {
      if (method === 'thread/turns/list' || method === 'thread/items/list') this.minted.recordPage(answer.result);
      if (method === 'thread/list' && this.upstream) this.overlayLoadedStatus(answer.result);
    }
    return this.client.send(answer).finally(() => this.local.written(answer));
  }

  /** Rows of threads the upstream holds show its status instead of `notLoaded`. */
  private overlayLoadedStatus(result: unknown): void {
    const data = (result as { data?: unknown }).data;
    if (!Array.isArray(data) || !this.upstream) return;
    for (const row of data as Array<Record<string, unknown>>) {
      if (typeof row.id === 'string' && this.upstream.loaded.has(row.id)) row.status = this.upstream.loaded.status(row.id) ?? { type: 'idle' };
    }
  }

  private async initialize(request: JsonMessage): Promise<void> {
    const localAnswer = await this.local.answer(request.id, 'initialize', request.params);
    if (!this.upstream || localAnswer.error !== undefined) return void (await this.client.send(localAnswer));
    this.initializeParams = request.params;
    this.heldServerMessages = [];
    let answer: JsonMessage;
    try {
      await this.ensureLink();
      answer = { ...this.upstreamInitializeAnswer!, id: request.id };
    } catch (err) {
      log.warn('the upstream Codex app-server is unavailable; serving history only until it is back', { connection: this.client.label, upstream: this.upstream.describe(), error: errorMessage(err) });
      answer = localAnswer;
    }
    await this.client.send(answer);
    const held = this.heldServerMessages;
    this.heldServerMessages = null;
    for (const message of held) void this.client.send(message);
  }

  private ensureLink(): Promise<UpstreamLink> {
    if (this.link && !this.link.closed) return Promise.resolve(this.link);
    this.linking ??= this.openLink().finally(() => {
      this.linking = null;
    });
    return this.linking;
  }

  private async openLink(): Promise<UpstreamLink> {
    const upstream = this.upstream!;
    const link = await upstream.connect();
    if (this.ended) {
      link.close();
      throw new Error('the client went away');
    }
    link.onServerMessage((message) => {
      if (isNotification(message)) {
        const method = String(message.method);
        upstream.loaded.observeNotification(method, message.params);
        if (WRITE_NOTIFICATIONS.has(method)) this.writes?.threadChanged((message.params as { threadId?: unknown } | undefined)?.threadId);
      }
      if (this.heldServerMessages) this.heldServerMessages.push(message);
      else void this.client.send(message);
      this.holdBackIfClientIsSlow(link);
    });
    link.onClose(() => {
      if (this.link === link) this.link = null;
      if (!this.ended) log.warn('lost the upstream link', { connection: this.client.label, upstream: upstream.describe() });
    });
    const init = await link.request({ method: 'initialize', params: this.initializeParams });
    if (init.error !== undefined) {
      link.close();
      throw new Error(`the upstream refused initialize: ${JSON.stringify(init.error)}`);
    }
    this.upstreamInitializeAnswer = init;
    if (this.clientInitialized) await link.send({ method: 'initialized' });
    void link.request({ method: 'thread/loaded/list', params: { cursor: null, limit: null } }).then((loaded) => upstream.loaded.observeAnswer('thread/loaded/list', loaded.result));
    this.link = link;
    log.info('linked to the upstream Codex app-server', { connection: this.client.label, upstream: link.label });
    return link;
  }

  private async forward(request: JsonMessage): Promise<void> {
    const method = String(request.method);
    let link: UpstreamLink;
    try {
      link = await this.ensureLink();
    } catch (err) {
      await this.client.send(errorResponse(request.id, ErrorCode.InternalError,
        `${method} needs the Codex app-server behind threadstate (${this.upstream!.describe()}), which is unavailable: ${errorMessage(err)}`));
      return;
    }
    log.debug('forwarded upstream', { connection: this.client.label, method });
    const answer = await link.request(request);
    if (answer.error !== undefined) log.debug('the upstream answered an error', { connection: this.client.label, method, error: answer.error });
    if (answer.result !== undefined) {
      this.upstream!.loaded.observeAnswer(method, answer.result);
      if (WRITE_METHODS.has(method)) this.writes?.threadChanged((request.params as { threadId?: unknown } | undefined)?.threadId);
    }
    const sent = this.client.send({ ...answer, id: request.id });
    this.holdBackIfClientIsSlow(link);
    await sent;
  }

  /**
   * A client that reads slower than the upstream writes (a turn streaming deltas, a big history
   * from Codex) would make the front buffer without bound: while the client is not keeping up
   * (the flow control of its own requests, server/flow.ts) the link stops reading, so the
   * upstream's socket fills and it waits, until the client has caught up.
   */
  private holdBackIfClientIsSlow(link: UpstreamLink): void {
    if (this.pausedLink || this.client.closed || this.client.keepingUp()) return;
    this.pausedLink = link;
    link.pause();
    log.debug('the client reads slowly; holding the upstream back', { connection: this.client.label });
    void this.client.whenKeepingUp().then(() => {
      this.pausedLink = null;
      if (!link.closed) link.resume();
    });
  }

  /** Resolves once no request of this connection is being answered (forwarded ones included). */
  async settled(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
    await this.local.idle();
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.link?.close();
    this.link = null;
    void this.local.idle().then(() => this.local.dispose());
  }
}
