// Flow control of one client connection, whatever carries it (stdio lines, WebSocket frames), so
// every transport keeps its memory bounded the same way whatever the client does:
// - no incoming message is handed over while the output is congested (the client is not reading
//   its answers) or while `maxQueuedMessages` messages wait to be written; parsed messages then
//   wait in a backlog, and past its bounds the input is paused, so the client's own writes block;
// - at most `maxInFlight` requests are being handled or waiting for their answer to be written; a
//   request past that is refused at once with Codex's -32001 "Server overloaded; retry later.".

export interface FlowLimits {
  /** Requests being handled or waiting for their answer to be written. */
  maxInFlight: number;
  /** Messages (answers, notifications, errors) waiting to be written. */
  maxQueuedMessages: number;
}

export const DEFAULT_FLOW_LIMITS: FlowLimits = { maxInFlight: 32, maxQueuedMessages: 256 };

/** Codex's answer when its ingress queue is full. */
export const OVERLOADED_MESSAGE = 'Server overloaded; retry later.';

/** What flow control asks of a connection's output. */
export interface Outbound {
  /** The client has gone away: nothing more is written. */
  readonly closed: boolean;
  /** More bytes wait to be written than the transport's high-water mark: the client is not reading. */
  readonly congested: boolean;
  /** Messages handed to the output and not written yet. */
  readonly pendingMessages: number;
  /** Resolves on the next progress: a message written, the output drained, or the client gone. */
  whenProgress(): Promise<void>;
}

/** How the backlog asks the connection whether to hand over the next message. */
export interface FlowGate {
  /** False while the client is not reading its answers: no message is handed over. */
  isOpen(): boolean;
  /** Resolves once the gate may be open again (or the client is gone). */
  whenOpen(): Promise<void>;
  /** False when one more request would pass the in-flight bound (it is refused with -32001). */
  admit(): boolean;
}

export const OPEN_GATE: FlowGate = { isOpen: () => true, whenOpen: () => Promise.resolve(), admit: () => true };

/** The gate of a connection whose output is `out`, with `inFlight()` requests being handled. */
export function flowGate(out: Outbound, inFlight: () => number, limits: FlowLimits = DEFAULT_FLOW_LIMITS): FlowGate {
  const isOpen = (): boolean => !out.closed && !out.congested && out.pendingMessages < limits.maxQueuedMessages;
  return {
    isOpen,
    whenOpen: async () => {
      while (!isOpen() && !out.closed) await out.whenProgress();
    },
    admit: () => inFlight() < limits.maxInFlight,
  };
}

/** Parsed messages waiting to be handed over: input is paused above either bound. */
const BACKLOG_HIGH_WATER = 1000;
const BACKLOG_LOW_WATER = 100;
const BACKLOG_MAX_CHARS = 8 * 1024 * 1024;

/** Where the backlog hands messages, and the input it pauses. */
export interface BacklogSink<M> {
  deliver(message: M): void;
  /** A request the in-flight bound refuses: answer it -32001. */
  refuse(message: M): void;
  isRequest(message: M): boolean;
  pauseInput(): void;
  resumeInput(): void;
  /** The input ended and every message before the end has been handed over. */
  ended?(): void;
}

/**
 * Incoming messages between the transport and the handlers. Messages are handed over one per
 * event-loop turn (vscode-jsonrpc queues incoming messages keyed by request id, so two queued
 * requests with the same id would collapse into one and a client would never get its second
 * answer; one at a time keeps that queue at one entry), and only while the gate is open.
 */
export class InboundBacklog<M> {
  private readonly gate: FlowGate;
  private readonly sink: BacklogSink<M>;
  private readonly items: Array<{ message: M; chars: number }> = [];
  private chars = 0;
  private pumping = false;
  private inputPaused = false;
  private ended = false;
  private stopped = false;

  constructor(gate: FlowGate, sink: BacklogSink<M>) {
    this.gate = gate;
    this.sink = sink;
  }

  /** One parsed message of `chars` characters. */
  push(message: M, chars: number): void {
    if (this.stopped) return;
    this.items.push({ message, chars });
    this.chars += chars;
    if (!this.inputPaused && (this.items.length > BACKLOG_HIGH_WATER || this.chars > BACKLOG_MAX_CHARS)) {
      this.inputPaused = true;
      this.sink.pauseInput();
    }
    if (!this.pumping) {
      this.pumping = true;
      setImmediate(this.pump);
    }
  }

  /** The input ended: `sink.ended` follows the last message. */
  end(): void {
    this.ended = true;
    if (!this.pumping) this.announceEnd();
  }

  /** Nothing more is handed over (the client went away). */
  stop(): void {
    this.stopped = true;
  }

  private readonly pump = (): void => {
    if (this.stopped) return;
    if (this.items.length > 0 && !this.gate.isOpen()) {
      void this.gate.whenOpen().then(() => setImmediate(this.pump));
      return;
    }
    const next = this.items.shift();
    if (next === undefined) {
      this.pumping = false;
      if (this.ended) this.announceEnd();
      return;
    }
    this.chars -= next.chars;
    if (this.sink.isRequest(next.message) && !this.gate.admit()) this.sink.refuse(next.message);
    else this.sink.deliver(next.message);
    if (this.inputPaused && this.items.length < BACKLOG_LOW_WATER && this.chars < BACKLOG_MAX_CHARS / 2) {
      this.inputPaused = false;
      this.sink.resumeInput();
    }
    setImmediate(this.pump);
  };

  /** Lets the handlers take the last message before the end of input is announced. */
  private announceEnd(): void {
    setImmediate(() => setImmediate(() => this.sink.ended?.()));
  }
}
