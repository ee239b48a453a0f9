import {
  ContentError,
  pickLocale,
  renderMessage,
  type ChannelContent,
} from "../../services/engagement/content/content";
import { templateProblems } from "../../services/engagement/content/templates";

const cartReminder: ChannelContent = {
  subject: "{{ user.name }}, your cart is waiting",
  preheader: "{{ cart.count | plural: 'item', 'items' }} saved for you",
  body: "{{ cart.count | plural: 'item', 'items' }} for {{ cart.total | money: cart.currency }}.",
};
const sample = {
  user: { name: "Ada" },
  cart: { count: 3, total: 4250, currency: "EUR" },
};

async function problemsOf(work: Promise<unknown>) {
  try {
    await work;
  } catch (err) {
    if (err instanceof ContentError) return err.problems;
    throw err;
  }
  throw new Error("it rendered");
}

describe("message content", () => {
  test("When a template is filled in, then money and plurals are written as the user's locale writes them", async () => {
    expect(await renderMessage(cartReminder, "email", "en-US", sample)).toEqual({
      subject: "Ada, your cart is waiting",
      preheader: "3 items saved for you",
      body: "3 items for €42.50.",
    });
    const german = await renderMessage(cartReminder, "email", "de", {
      ...sample,
      cart: { count: 1, total: 4250, currency: "EUR" },
    });
    // German puts a no-break space before the sign.
    expect(german.body).toBe("1 item for 42,50\u00a0€.");
    const yen = await renderMessage({ title: "t", body: "{{ p | money: 'JPY' }}" }, "inbox", "ja", {
      p: 1200,
    });
    expect(yen.body).toBe("￥1,200");
  });

  test("When a locale has more plural forms, then the right one is picked", async () => {
    const files = { title: "t", body: "{{ n | plural: 'plik', 'pliku', 'pliki', 'plików' }}" };
    const render = async (n: number) => (await renderMessage(files, "inbox", "pl", { n })).body;
    expect([await render(1), await render(3), await render(5)]).toEqual([
      "1 plik",
      "3 pliki",
      "5 plików",
    ]);
  });

  test("When a variable is missing, then the message fails, naming it, and nothing half-filled is returned", async () => {
    const problems = await problemsOf(
      renderMessage(cartReminder, "email", "en", { cart: sample.cart }),
    );
    expect(problems).toEqual([
      { field: "subject", message: expect.stringMatching(/^undefined variable: user\b/) },
    ]);
  });

  test("When a field is missing or too long for its channel, then each problem is named", async () => {
    expect(await problemsOf(renderMessage({ body: "x" }, "email", "en", {}))).toEqual([
      { field: "subject", message: "is required for email" },
    ]);
    const sms = { body: "{{ text }}" };
    expect(
      await problemsOf(renderMessage(sms, "webhook", "en", { text: "x".repeat(161) })),
    ).toEqual([{ field: "body", message: "is 161 characters once filled in; webhook allows 160" }]);
    expect(
      (await renderMessage(sms, "webhook", "en", { text: "x".repeat(160) })).body,
    ).toHaveLength(160);
    expect(await problemsOf(renderMessage({ body: "b" }, "inbox", "en", {}))).toEqual([
      { field: "title", message: "is required for inbox" },
    ]);
  });

  test("When a template reaches for what is not a value's own, an unknown filter, or unbounded work, then it fails", async () => {
    const tries: [string, RegExp][] = [
      ["{{ user.constructor }}", /undefined variable/],
      ["{{ user.name | shell }}", /undefined filter: shell/],
      ["{{ user.name | money: 'usd' }}", /money needs/],
      ["{% for i in (1..100000000) %}x{% endfor %}", /limit exceeded/],
    ];
    for (const [body, problem] of tries)
      expect(await problemsOf(renderMessage({ title: "t", body }, "inbox", "en", sample))).toEqual([
        { field: "body", message: expect.stringMatching(problem) },
      ]);
  });

  test("When a template names a file through include, render or layout, then it is refused without reading it or naming a path", async () => {
    const reads = [
      '{% include "package.json" %}',
      '{% render "package.json" %}',
      '{% layout "package.json" %}x',
      '{% include "data/jwt-secret" %}',
      "{% include '../../etc/passwd' %}",
      "{% include '/etc/hostname' %}",
      "{% if true %}{% render 'tsconfig.json' %}{% endif %}",
    ];
    for (const body of reads) {
      const problems = await problemsOf(renderMessage({ title: "t", body }, "inbox", "en", sample));
      expect(problems).toEqual([
        { field: "body", message: expect.stringMatching(/tag is not available/) },
      ]);
      expect(problems[0].message).not.toMatch(/\/|private|dependencies/);
      expect(templateProblems("en", { en: { inbox: { title: "t", body } } })).toEqual([
        expect.objectContaining({ field: "locales.en.inbox.body" }),
      ]);
    }
  });

  test("When the user's locale has no translation, then its language is tried, then the template's default", () => {
    const available = ["en", "de", "pt-BR"];
    expect(pickLocale(available, "pt-BR", "en")).toBe("pt-BR");
    expect(pickLocale(available, "de-AT", "en")).toBe("de");
    expect(pickLocale(available, "fr-FR", "en")).toBe("en");
    expect(pickLocale(available, undefined, "en")).toBe("en");
  });
});
