import { deflateSync } from "node:zlib";
import { chunksOf, displayName, MAX_CHUNK_CHARS } from "../../services/documents/chunks";
import { assertNoBomb, assertPdfHead, PdfRefused } from "../../services/documents/pdf-safety";

describe("Cutting pages into chunks", () => {
  const pages = [
    "One. Two is here. Three follows. Four ends the group. Five starts another.",
    "Page two\nhas a line break. And a second sentence.",
  ];

  test("Then a chunk holds a few sentences of one page, with where they sit in the page", () => {
    const chunks = chunksOf("doc_1", pages);
    expect(chunks.map((c) => [c.page, c.text])).toEqual([
      [1, "One. Two is here. Three follows."],
      [1, "Four ends the group. Five starts another."],
      [2, "Page two has a line break. And a second sentence."],
    ]);
    for (const chunk of chunks)
      expect(pages[chunk.page - 1].slice(chunk.start, chunk.end).replace(/\s+/g, " ")).toBe(
        chunk.text,
      );
    expect(chunks.map((c) => c.id)).toEqual(["doc_1-0", "doc_1-1", "doc_1-2"]);
  });

  test("Then a long sentence is a chunk of its own, and an empty page none", () => {
    const long = "word ".repeat(MAX_CHUNK_CHARS / 4).trim() + ".";
    const chunks = chunksOf("doc_2", [`Short one. ${long} Short two.`, "   "]);
    expect(chunks.map((c) => c.text.length > MAX_CHUNK_CHARS)).toEqual([false, true, false]);
  });
});

describe("An uploaded file's name", () => {
  test.each([
    ["notes.pdf", "notes.pdf"],
    ["../../etc/passwd", "passwd"],
    ["C:\\Users\\me\\thesis.pdf", "thesis.pdf"],
    ["bad\u0000\u0007\u202ename.pdf", "badname.pdf"],
    ["", "document.pdf"],
    [undefined, "document.pdf"],
    ["x".repeat(5000), "x".repeat(200)],
  ])("%j is shown as %j", (raw, shown) => {
    expect(displayName(raw)).toBe(shown);
  });
});

describe("What a file is, by its own bytes", () => {
  test("A PDF's head passes; a PNG's, a ZIP's and HTML's are refused, each named", () => {
    expect(() => assertPdfHead(Buffer.from("%PDF-1.7\n"))).not.toThrow();
    const refusal = (head: Buffer) => {
      try {
        assertPdfHead(head);
      } catch (err) {
        return [(err as PdfRefused).reason, (err as Error).message];
      }
      return null;
    };
    expect(refusal(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))).toEqual([
      "NOT_A_PDF",
      "This file is a PNG image, not a PDF",
    ]);
    expect(refusal(Buffer.from("PK\x03\x04rest", "latin1"))?.[1]).toContain("ZIP");
    expect(refusal(Buffer.from("<html><body>%PDF-"))?.[1]).toContain("HTML");
  });

  test("A stream that inflates past the cap is refused before any parser sees it; ordinary ones pass", () => {
    const stream = (data: Buffer) =>
      Buffer.concat([
        Buffer.from("1 0 obj\n<< /Filter /FlateDecode >>\nstream\n"),
        data,
        Buffer.from("\nendstream\n"),
      ]);
    const ordinary = stream(deflateSync(Buffer.from("BT (hello) Tj ET")));
    expect(() => assertNoBomb(ordinary, 1 << 20, 4 << 20)).not.toThrow();
    const bomb = stream(deflateSync(Buffer.alloc(8 << 20)));
    expect(() => assertNoBomb(bomb, 1 << 20, 4 << 20)).toThrow(PdfRefused);
    // Many streams each under the cap, over it together.
    const many = Buffer.concat(
      Array.from({ length: 6 }, () => stream(deflateSync(Buffer.alloc(900 << 10)))),
    );
    expect(() => assertNoBomb(many, 1 << 20, 4 << 20)).toThrow("inflates");
  });
});
