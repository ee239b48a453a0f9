import { smtpMailer } from "../../services/notifications/email";
import { readMail, startSmtp, type Inbox } from "../harness/receivers";

describe("the SMTP mailer", () => {
  let inbox: Inbox;
  beforeAll(async () => {
    inbox = await startSmtp();
  });
  afterAll(() => inbox.stop());

  test("When a mail's content names a file or a URL, then the mailer reads neither and sends nothing", async () => {
    const mailer = smtpMailer(inbox.url);
    try {
      for (const content of [{ path: "package.json" }, { href: "http://127.0.0.1:1/secret" }]) {
        const text = content as unknown as string;
        await expect(mailer.send({ to: "a@example.com", subject: "s", text })).rejects.toThrow(
          /access/i,
        );
      }
      expect(inbox.mails).toHaveLength(0);
      await mailer.send({ to: "a@example.com", subject: "plain", text: "only text" });
      expect(readMail(inbox.mails[0].raw)).toMatchObject({ subject: "plain" });
    } finally {
      mailer.close();
    }
  });
});
