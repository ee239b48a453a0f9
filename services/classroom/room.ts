import type {
  ClientMessage,
  Participant,
  PollView,
  RoomEvent,
  RoomSnapshot,
  SequencedEvent,
} from "../../contracts/classroom";

export interface RoomLimits {
  /** Events kept for clients that reconnect and resume. */
  buffer: number;
  /** Chat messages one participant may send in a window. */
  chatPerWindow: number;
  /** Messages of any kind one participant may send in a window (reactions, hands, answers). */
  messagesPerWindow: number;
  chatWindowMs: number;
}

export const ROOM_LIMITS: RoomLimits = {
  buffer: 1000,
  chatPerWindow: 5,
  messagesPerWindow: 30,
  chatWindowMs: 10_000,
};

export type Refusal = {
  error: "not_joined" | "muted" | "rate_limited" | "instructor_only" | "invalid" | "full";
  message: string;
};
export type Outcome = { events: SequencedEvent[] } | Refusal;

const refuse = (error: Refusal["error"], message: string): Refusal => ({ error, message });

/**
 * One live session's room, in the one place that numbers its events: who is in it, their
 * hands, mutes and removals, the poll, and the last events for those who resume. Pure state;
 * the sockets are the gateway's.
 */
export class Room {
  private seq = 0;
  private readonly kept: SequencedEvent[] = [];
  /** Who is here, and their connections by the gateway node that holds them. */
  private readonly present = new Map<
    string,
    { participant: Participant; connections: Map<string, number> }
  >();
  private readonly hands = new Set<string>();
  private readonly muted = new Set<string>();
  private readonly removed = new Set<string>();
  private readonly chats = new Map<string, number[]>();
  private readonly sent = new Map<string, number[]>();
  private poll?: { view: PollView; answered: Set<string> };
  private ended = false;
  private polls = 0;

  /** `firstSeq`: a room opened again numbers on past every number its earlier self told. */
  constructor(
    private readonly limits: RoomLimits = ROOM_LIMITS,
    private readonly now: () => number = Date.now,
    firstSeq = 0,
  ) {
    this.seq = firstSeq;
  }

  get size(): number {
    return this.present.size;
  }

  has(userId: string): boolean {
    return this.present.has(userId);
  }

  isRemoved(userId: string): boolean {
    return this.removed.has(userId);
  }

  /** A participant's connection joins through a gateway node; the room hears of their first. */
  admit(participant: Participant, via = "local", cap = Number.POSITIVE_INFINITY): Outcome {
    if (this.ended) return refuse("invalid", "This session has ended");
    if (this.removed.has(participant.userId))
      return refuse("instructor_only", "You were removed from this session");
    const held = this.present.get(participant.userId);
    if (held) {
      held.connections.set(via, (held.connections.get(via) ?? 0) + 1);
      return { events: [] };
    }
    // Checked here too, where joins are one at a time: two that were let in side by side
    // while their enrolments were looked up do not make the room one too many.
    if (this.present.size >= cap) return refuse("full", "This session is full");
    this.present.set(participant.userId, { participant, connections: new Map([[via, 1]]) });
    return this.tell({ type: "joined", participant });
  }

  /** A connection leaves; the room hears of it when the participant's last one goes. */
  leave(userId: string, via = "local"): Outcome {
    const held = this.present.get(userId);
    if (!held) return { events: [] };
    const left = (held.connections.get(via) ?? 0) - 1;
    if (left > 0) held.connections.set(via, left);
    else held.connections.delete(via);
    return held.connections.size > 0 ? { events: [] } : this.gone(userId);
  }

  /**
   * A gateway node died: its sockets are gone without a word. Whoever was connected only
   * through it leaves; whoever reconnected through another node already stays.
   */
  dropNode(via: string): Outcome {
    const events: SequencedEvent[] = [];
    for (const [userId, held] of [...this.present])
      if (held.connections.delete(via) && held.connections.size === 0)
        events.push(...(this.gone(userId) as { events: SequencedEvent[] }).events);
    return { events };
  }

  private gone(userId: string): Outcome {
    this.present.delete(userId);
    this.hands.delete(userId);
    return this.tell({ type: "left", userId });
  }

  handle(userId: string, message: ClientMessage): Outcome {
    const held = this.present.get(userId);
    if (!held || this.ended) return refuse("not_joined", "Join the session first");
    const instructor = held.participant.role === "instructor";
    if (!this.within(this.sent, userId, this.limits.messagesPerWindow))
      return refuse("rate_limited", "Too many messages; wait a little");
    switch (message.type) {
      case "chat":
        if (this.muted.has(userId)) return refuse("muted", "The instructor muted your chat");
        if (!this.within(this.chats, userId, this.limits.chatPerWindow))
          return refuse("rate_limited", "Too many messages; wait a little");
        return this.tell({ type: "chat", from: userId, text: message.text });
      case "hand":
        if (this.hands.has(userId) === message.raised) return { events: [] };
        if (message.raised) this.hands.add(userId);
        else this.hands.delete(userId);
        return this.tell({ type: "hand", userId, raised: message.raised });
      case "react":
        return this.tell({ type: "react", from: userId, emoji: message.emoji });
      case "poll_answer":
        return this.answer(userId, message.pollId, message.option);
    }
    if (!instructor) return refuse("instructor_only", "Only the instructor may do that");
    switch (message.type) {
      case "poll_open":
        this.poll = {
          view: {
            id: `poll-${++this.polls}`,
            question: message.question,
            options: message.options,
            counts: message.options.map(() => 0),
            closed: false,
          },
          answered: new Set(),
        };
        return this.tell({ type: "poll", poll: { ...this.poll.view } });
      case "poll_close":
        if (!this.poll || this.poll.view.id !== message.pollId || this.poll.view.closed)
          return refuse("invalid", "No such open poll");
        this.poll.view.closed = true;
        return this.tell({ type: "poll", poll: { ...this.poll.view } });
      case "mute":
        if (!this.present.has(message.userId)) return refuse("invalid", "No such participant");
        if (message.muted) this.muted.add(message.userId);
        else this.muted.delete(message.userId);
        return this.tell({ type: "muted", userId: message.userId, muted: message.muted });
      case "remove":
        if (message.userId === userId) return refuse("invalid", "You cannot remove yourself");
        this.removed.add(message.userId);
        this.present.delete(message.userId);
        this.hands.delete(message.userId);
        return this.tell({ type: "removed", userId: message.userId });
      case "end":
        return this.end();
    }
  }

  /** The session ends: its instructor ended it, or its time ran out. */
  end(): Outcome {
    if (this.ended) return { events: [] };
    const told = this.tell({ type: "ended" });
    this.ended = true;
    return told;
  }

  /** A participant who may no longer be here (their enrolment was taken back) is let go. */
  expel(userId: string): Outcome {
    if (!this.present.delete(userId)) return { events: [] };
    this.hands.delete(userId);
    return this.tell({ type: "left", userId, reason: "revoked" });
  }

  /** What a room opened again keeps of its earlier self: who was removed, who was muted. */
  restore(moderation: { removed: string[]; muted: string[] }): void {
    for (const userId of moderation.removed) this.removed.add(userId);
    for (const userId of moderation.muted) this.muted.add(userId);
  }

  /** A present participant's name, as the chat history keeps it. */
  nameOf(userId: string): string {
    return this.present.get(userId)?.participant.name ?? "Someone";
  }

  /**
   * The events after `seq`, in order, for a client that reconnects; null when the room no
   * longer keeps them all (the client takes a fresh snapshot) or `seq` is not one it told.
   */
  since(seq: number): SequencedEvent[] | null {
    if (!Number.isInteger(seq) || seq < 0 || seq > this.seq) return null;
    if (seq === this.seq) return [];
    const oldest = this.kept[0]?.seq ?? this.seq + 1;
    if (seq + 1 < oldest) return null;
    return this.kept.slice(seq + 1 - oldest);
  }

  snapshot(): RoomSnapshot {
    return {
      seq: this.seq,
      participants: [...this.present.values()].map((p) => p.participant),
      hands: [...this.hands],
      muted: [...this.muted],
      ...(this.poll ? { poll: { ...this.poll.view } } : {}),
      ended: this.ended,
    };
  }

  private answer(userId: string, pollId: string, option: number): Outcome {
    const poll = this.poll;
    if (!poll || poll.view.id !== pollId || poll.view.closed)
      return refuse("invalid", "No such open poll");
    if (option < 0 || option >= poll.view.options.length)
      return refuse("invalid", "No such option");
    if (poll.answered.has(userId)) return refuse("invalid", "You answered this poll already");
    poll.answered.add(userId);
    poll.view.counts[option]++;
    return this.tell({ type: "poll", poll: { ...poll.view, counts: [...poll.view.counts] } });
  }

  /** Whether one more fits the participant's window of `times`; if so, it is counted. */
  private within(times: Map<string, number[]>, userId: string, max: number): boolean {
    const now = this.now();
    const recent = (times.get(userId) ?? []).filter((t) => now - t < this.limits.chatWindowMs);
    if (recent.length >= max) return false;
    recent.push(now);
    times.set(userId, recent);
    return true;
  }

  private tell(event: RoomEvent): { events: SequencedEvent[] } {
    const told = {
      ...event,
      seq: ++this.seq,
      at: new Date(this.now()).toISOString(),
    } as SequencedEvent;
    this.kept.push(told);
    if (this.kept.length > this.limits.buffer) this.kept.shift();
    return { events: [told] };
  }
}
