import nodemailer from "nodemailer";
import type { Repository } from "../../platform/data/repository";
import type { Message } from "./templates";
import { EmailDoc } from "./model";
import { insertIfAbsent } from "../../platform/data/insert-if-absent";

export interface Mailer {
  send(mail: {
    to: string;
    subject: string;
    text: string;
    headers?: Record<string, string>;
  }): Promise<void>;
  close(): void;
}

const FROM = "Bazaar <no-reply@bazaar.invalid>";

/**
 * SMTP through nodemailer; `SMTP_URL` is `smtp://user:pass@host:port` (or `smtps://`).
 * nodemailer reads any content given as `{path}` from disk and fetches any `{href}`; a mail
 * here is only text, so the transport may do neither, whatever reaches it.
 */
export function smtpMailer(url: string): Mailer {
  const transport = nodemailer.createTransport(url, {
    from: FROM,
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    async send(mail) {
      await transport.sendMail({ from: FROM, ...mail });
    },
    close: () => transport.close(),
  };
}

/** The e-mail of a message: one that can be unsubscribed from says how, in the text and the header. */
function mailOf(to: string, message: Message) {
  if (!message.unsubscribeUrl) return { to, subject: message.title, text: message.body };
  return {
    to,
    subject: message.title,
    text: `${message.body}\n\nNo more of these: ${message.unsubscribeUrl}`,
    headers: { "List-Unsubscribe": `<${message.unsubscribeUrl}>` },
  };
}

/** A sender that died mid-send gives its claim up after this long. */
const CLAIM_MS = 60_000;

/**
 * Sends one e-mail a key. A delivery must first claim the send (atomically), so twin
 * deliveries of one event never both send; the record then says it went. (A crash between
 * the server's accept and the record can still send it twice: e-mail has no idempotency key.)
 * Returns true when this call sent it.
 */
export async function emailOnce(
  emails: Repository<EmailDoc>,
  mailer: Mailer,
  key: string,
  to: string,
  message: Message,
): Promise<boolean> {
  const id = `email_${key}`;
  const now = new Date();
  await insertIfAbsent(emails, {
    id,
    to,
    subject: message.title,
    status: "pending",
    attempts: 0,
    createdAt: now.toISOString(),
  });
  const claimed = await emails.updateOne(
    {
      id,
      $or: [{ status: "pending" }, { status: "sending", claimedUntil: { $lt: now.toISOString() } }],
    },
    {
      $set: { status: "sending", claimedUntil: new Date(now.getTime() + CLAIM_MS).toISOString() },
      $inc: { attempts: 1 },
    },
  );
  if (!claimed) return false;
  try {
    await mailer.send(mailOf(to, message));
  } catch (err) {
    await emails.updateOne({ id, status: "sending" }, { $set: { status: "pending" } });
    throw err;
  }
  await emails.updateOne({ id }, { $set: { status: "sent", sentAt: new Date().toISOString() } });
  return true;
}
