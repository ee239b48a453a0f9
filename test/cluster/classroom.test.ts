import { ADMIN, describeCluster, hosting, startCluster, type Cluster } from "../harness/cluster";
import {
  firstWord,
  learnerOf,
  liveCourse,
  openSession,
  seat,
  type Account,
  type Seat,
} from "../harness/classroom-client";
import { client, type Client } from "../harness/http";
import { waitFor } from "../harness/node-process";

/**
 * One live session whose participants are split between two gateway nodes, over real NATS,
 * Redis and PostgreSQL: the room lives on one node, every gateway passes its events on.
 */
const NODES = [
  { id: "gateway-1", services: "api" },
  { id: "gateway-2", services: "api" },
  { id: "catalog-1", services: hosting("@catalog") },
  { id: "core-1", services: hosting("@core,@orders,@consumers") },
];

describeCluster("classroom: one session across two gateway nodes", () => {
  let cluster: Cluster;
  let api: Client;
  let urls: [string, string];
  let admin: string;
  let teacher: Account;
  let courseId: string;
  const learners: Account[] = [];

  beforeAll(async () => {
    cluster = await startCluster(NODES, { RATE_LIMIT_AUTH: "100000", RATE_LIMIT_API: "100000" });
    urls = [cluster.nodes.get("gateway-1")!.url!, cluster.nodes.get("gateway-2")!.url!];
    api = client(urls[0]);
    admin = (await api.post("/api/v1/auth/login", ADMIN)).body.token;
    ({ teacher, courseId } = await liveCourse(api, admin, "cluster"));
    for (let i = 0; i < 6; i++) learners.push(await learnerOf(api, courseId, `cluster-l${i}`));
  }, 180_000);
  afterAll(() => cluster?.stop(), 60_000);

  /** Everything told after `after`, as `seq:type:text`. */
  const told = (s: Seat, after: number) =>
    s.heard.filter((m) => m.seq > after).map((m) => `${m.seq}:${m.type}:${m.text ?? ""}`);

  test("When participants on both gateways chat at once, then every one hears the same events in the same order, and the cap holds across the gateways", async () => {
    const sessionId = await openSession(api, courseId, teacher, { cap: 4 });
    const people = [teacher, ...learners.slice(0, 3)];
    const seats = people.map((who, i) => seat(urls[i % 2], sessionId, who.token));
    const welcomes = await Promise.all(seats.map((s) => s.welcomed));
    // Two more, one on each gateway: the room is full wherever they knock.
    for (const [i, extra] of learners.slice(3, 5).entries())
      expect(await firstWord(seat(urls[i % 2], sessionId, extra.token))).toEqual({ closed: 4429 });

    for (let round = 0; round < 3; round++)
      seats.forEach((s, i) => s.say({ type: "chat", text: `p${i} r${round}` }));
    for (const s of seats)
      await waitFor(
        async () => s.heard.filter((m) => m.type === "chat").length === 12,
        10_000,
        "every chat",
      ).catch((err) => {
        throw new Error(`${err.message}: ${JSON.stringify(seats.map((x) => x.heard))}`);
      });
    const from = Math.max(...welcomes.map((w) => w.snapshot.seq));
    const reference = told(seats[0], from);
    expect(reference.filter((e) => e.includes(":chat:"))).toHaveLength(12);
    for (const s of seats.slice(1)) expect(told(s, from)).toEqual(reference);
    // No gaps: the numbers run on by one, as told in one place.
    const numbers = reference.map((e) => Number(e.split(":")[0]));
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0] + i));
    for (const s of seats) s.ws.close();
  });

  test("When a gateway is SIGKILLed, then its clients reconnect to the other and resume with nothing missed", async () => {
    const sessionId = await openSession(api, courseId, teacher);
    const leader = seat(urls[0], sessionId, teacher.token);
    await leader.welcomed;
    const stranded = learners.slice(0, 2).map((who) => seat(urls[1], sessionId, who.token));
    await Promise.all(stranded.map((s) => s.welcomed));
    leader.say({ type: "chat", text: "before" });
    for (const s of stranded) await s.until((m) => m.type === "chat" && m.text === "before");

    await cluster.nodes.get("gateway-2")!.process.stop("SIGKILL");
    const codes = await Promise.all(stranded.map((s) => s.closed));
    expect(codes.map((c) => c.code)).toEqual([1006, 1006]);
    for (const text of ["while away 1", "while away 2", "while away 3"])
      leader.say({ type: "chat", text });
    await waitFor(
      async () => leader.heard.filter((m) => m.text === "while away 3").length === 1,
      5000,
      "the chats",
    );

    const back = stranded.map((s, i) => {
      const lastSeq = Math.max(...s.heard.filter((m) => m.seq).map((m) => m.seq));
      return {
        lastSeq,
        seat: seat(
          urls[0],
          sessionId,
          learners[i].token,
          `/ws/classroom/${sessionId}?lastSeq=${lastSeq}`,
        ),
      };
    });
    for (const { lastSeq, seat: s } of back) {
      const welcome = await s.welcomed;
      const missedChats = welcome.missed
        .filter((m: any) => m.type === "chat")
        .map((m: any) => m.text);
      expect(missedChats).toEqual(["while away 1", "while away 2", "while away 3"]);
      // What was missed is exactly what the leader heard after the last number seen.
      expect(welcome.missed.map((m: any) => m.seq)).toEqual(
        leader.heard
          .filter((m) => m.seq > lastSeq && m.seq <= welcome.snapshot.seq)
          .map((m) => m.seq),
      );
    }
    leader.say({ type: "chat", text: "after" });
    for (const { seat: s } of back) await s.until((m) => m.type === "chat" && m.text === "after");

    // The room keeps both learners, whichever way the dead gateway was noticed.
    await waitFor(
      async () => {
        const rows = (await api.get(`/api/v1/sessions/${sessionId}/attendance`, teacher)).body.rows;
        return learners
          .slice(0, 2)
          .every((l) => rows.some((r: any) => r.userId === l.id && r.present));
      },
      15_000,
      "both present",
    );
    for (const s of [leader, ...back.map((b) => b.seat)]) s.ws.close();
  });
});
