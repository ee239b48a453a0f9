import { ContentError } from "../../services/engagement/content/content";
import {
  fillIn,
  templateProblems,
  type TemplateDoc,
} from "../../services/engagement/content/templates";

const template: TemplateDoc = {
  id: "tpl_1",
  name: "t",
  defaultLocale: "en",
  locales: {
    en: {
      inbox: {
        title: "Hello {{ user.id }}",
        body: "{{ count | plural: 'item', 'items' }} waiting",
      },
      email: { subject: "Hello", body: "Total {{ total | money: 'EUR' }}" },
    },
    de: { inbox: { title: "Hallo {{ user.id }}", body: "{{ total | money: 'EUR' }}" } },
  },
  createdAt: "",
  updatedAt: "",
};

describe("message templates", () => {
  test("When a template is well formed, then it has no problems", () => {
    expect(templateProblems("en", template.locales)).toEqual([]);
  });

  test("When a template has several problems, then each is named by its place", () => {
    const problems = templateProblems("fr", {
      en: {
        inbox: { body: "{% if %}" },
        email: { subject: "x", body: "y", footer: "z" },
        sms: { body: "x" },
      },
      "not a locale": { inbox: { title: "t", body: "b" } },
    });
    expect(problems.map((p) => p.field)).toEqual([
      "defaultLocale",
      "locales.en.inbox.title",
      "locales.en.inbox.body",
      "locales.en.email.footer",
      "locales.en.sms",
      "locales.not a locale",
    ]);
  });

  test("When variants are given, then each needs a name and the default locale, and at most three are kept beside the template's own", () => {
    const inbox = { inbox: { title: "t", body: "b" } };
    expect(templateProblems("en", { en: inbox }, [{ name: "B", locales: { en: inbox } }])).toEqual(
      [],
    );
    const problems = templateProblems("en", { en: inbox }, [
      { name: "", locales: { en: inbox } },
      { name: "C", locales: { de: inbox } },
    ]);
    expect(problems.map((p) => p.field)).toEqual(["variants[0].name", "variants[1].locales"]);
    const many = Array.from({ length: 4 }, (_, i) => ({ name: `V${i}`, locales: { en: inbox } }));
    expect(templateProblems("en", { en: inbox }, many).map((p) => p.field)).toEqual(["variants"]);
  });

  test("When a user's locale has words, then they are used, with the locale's money; else the default's", async () => {
    const german = await fillIn(template, ["inbox", "email"], "de-AT", {
      user: { id: "u1" },
      total: 4200,
      count: 1,
    });
    expect(german.locale).toBe("de");
    expect(german.messages.inbox).toEqual({ title: "Hallo u1", body: "42,00\u00a0€" });
    // German has no e-mail words: the default locale's are used rather than none.
    expect(german.messages.email?.subject).toBe("Hello");
  });

  test("When a variable is missing, then nothing is filled in and every problem is named by channel", async () => {
    const failure = await fillIn(template, ["inbox", "email"], "en", { user: { id: "u1" } }).catch(
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(ContentError);
    expect((failure as ContentError).problems.map((p) => p.field)).toEqual([
      "inbox.body",
      "email.body",
    ]);
  });

  test("When a channel has no words in any locale, then filling it in is refused, naming it", async () => {
    const failure = await fillIn(template, ["webhook"], "en", {}).catch((err: unknown) => err);
    expect((failure as ContentError).problems).toEqual([
      { field: "webhook", message: "the template has no words for webhook" },
    ]);
  });
});
