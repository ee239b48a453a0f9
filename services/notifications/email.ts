import nodemailer from "nodemailer";
import type { Repository } from "../../mixins/db/db.mixin";
import type { Message } from "./templates";

export interface Mailer {
  send(mail: { to: string; subject: string; text: string }): Promise<void>;
  close(): void;
}

const FROM = "Bazaar <no-reply@bazaar.invalid>";

/** SMTP through nodemailer; `SMTP_URL` is `smtp://user:pass@host:port` (or `smtps://`). */
export function smtpMailer(url: string): Mailer {
  const transport = nodemailer.createTransport(url, { from: FROM });
  return {
    async send(mail) {
      await transport.sendMail({ from: FROM, ...mail });
    },
    close: () => transport.close(),
  };
}

export interface EmailDoc {
  id: string;
  to: string;
  subject: string;
  status: "pending" | "sent";
  attempts: number;
  sentAt?: string;
  createdAt: string;
  [key: string]: unknown;
}

/**
 * Sends one e-mail a key. The record says whether it went; a redelivered event finds it sent
 * and sends nothing. (A crash between the server's accept and the record can still send it
 * twice: e-mail has no idempotency key.) Returns true when this call sent it.
 */
export async function emailOnce(
  emails: Repository<EmailDoc>,
  mailer: Mailer,
  key: string,
  to: string,
  message: Message,
): Promise<boolean> {
  const id = `email_${key}`;
  const existing = await emails.findById(id);
  if (existing?.status === "sent") return false;
  if (!existing) {
    try {
      await emails.insert({
        id,
        to,
        subject: message.title,
        status: "pending",
        attempts: 0,
        createdAt: new Date().toISOString(),
      });
    } catch (err) {
      if ((err as { code?: number }).code !== 409) throw err;
    }
  }
  await emails.updateOne({ id }, { $inc: { attempts: 1 } });
  await mailer.send({ to, subject: message.title, text: message.body });
  await emails.updateOne({ id }, { $set: { status: "sent", sentAt: new Date().toISOString() } });
  return true;
}
