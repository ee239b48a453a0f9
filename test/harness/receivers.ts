import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import { SMTPServer } from "smtp-server";

/** A real SMTP server on a free port that keeps what it receives. */
export interface Inbox {
  url: string;
  mails: { to: string[]; raw: string }[];
  stop(): Promise<void>;
}

export async function startSmtp(): Promise<Inbox> {
  const mails: Inbox["mails"] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onData(stream, session, done) {
      let raw = "";
      stream.on("data", (chunk: Buffer) => (raw += chunk.toString("utf8")));
      stream.on("end", () => {
        mails.push({ to: session.envelope.rcptTo.map((r) => r.address), raw });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as { port: number };
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** The text of a plain mail: its subject, and its body with quoted-printable undone. */
export function readMail(raw: string): { subject: string; text: string } {
  const [head, ...rest] = raw.split(/\r?\n\r?\n/);
  const subject = /^Subject: (.*)$/m.exec(head)?.[1] ?? "";
  const body = rest.join("\n\n");
  const quoted = /Content-Transfer-Encoding: quoted-printable/i.test(head);
  const text = quoted
    ? decodeURIComponent(
        body
          .replace(/=\r?\n/g, "")
          .replace(/%/g, "%25")
          .replace(/=([0-9A-F]{2})/g, "%$1"),
      )
    : body;
  return { subject, text };
}

export interface Hit {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A webhook receiver that answers each POST with the next status of `statuses` (then 200). */
export async function startReceiver(statuses: number[] = []): Promise<{
  url: string;
  hits: Hit[];
  stop(): Promise<void>;
}> {
  const hits: Hit[] = [];
  const queue = [...statuses];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      hits.push({ headers: req.headers, body });
      res.writeHead(queue.shift() ?? 200);
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/hook`,
    hits,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
