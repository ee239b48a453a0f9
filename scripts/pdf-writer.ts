import { deflateSync } from "node:zlib";

/**
 * A small PDF 1.4 writer for the study assistant's samples and test fixtures: real files that
 * any reader opens, built without a PDF library so the fixtures do not depend on the library
 * they test.
 */
export interface PdfPage {
  /** Lines of text, drawn top to bottom; an empty page has no text layer. */
  lines?: string[];
  /** A grey rectangle drawn as a picture would be, with no text. */
  drawing?: boolean;
  /** The page's content stream, when a test needs a hostile one. */
  rawContent?: Buffer;
}

const escapeText = (line: string) =>
  line.replace(/[\\()]/g, (c) => `\\${c}`).replace(/[^\x20-\x7e]/g, "?");

function contentOf(page: PdfPage): Buffer {
  if (page.rawContent) return page.rawContent;
  const parts: string[] = [];
  if (page.drawing) parts.push("0.6 g 72 400 300 200 re f");
  if (page.lines?.length) {
    parts.push("BT /F1 12 Tf 72 740 Td 16 TL");
    for (const line of page.lines) parts.push(`(${escapeText(line)}) '`);
    parts.push("ET");
  }
  return Buffer.from(parts.join("\n"), "latin1");
}

/** A PDF of these pages; `compress` deflates each content stream, as most writers do. */
export function writePdf(pages: PdfPage[], options: { compress?: boolean } = {}): Buffer {
  const objects: Buffer[] = [];
  const add = (body: Buffer | string) => {
    objects.push(typeof body === "string" ? Buffer.from(body, "latin1") : body);
    return objects.length;
  };
  const catalog = add("");
  const tree = add("");
  const font = add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  const kids: number[] = [];
  for (const page of pages) {
    const raw = contentOf(page);
    const data = options.compress ? deflateSync(raw) : raw;
    const filter = options.compress ? " /Filter /FlateDecode" : "";
    const content = add(
      Buffer.concat([
        Buffer.from(`<< /Length ${data.length}${filter} >>\nstream\n`, "latin1"),
        data,
        Buffer.from("\nendstream", "latin1"),
      ]),
    );
    kids.push(
      add(
        `<< /Type /Page /Parent ${tree} 0 R /MediaBox [0 0 612 792] ` +
          `/Resources << /Font << /F1 ${font} 0 R >> >> /Contents ${content} 0 R >>`,
      ),
    );
  }
  objects[catalog - 1] = Buffer.from(`<< /Type /Catalog /Pages ${tree} 0 R >>`, "latin1");
  objects[tree - 1] = Buffer.from(
    `<< /Type /Pages /Kids [${kids.map((k) => `${k} 0 R`).join(" ")}] /Count ${kids.length} >>`,
    "latin1",
  );
  return assemble(objects, catalog);
}

/** Numbered objects, their cross-reference table and the trailer. */
export function assemble(objects: Buffer[], root: number): Buffer {
  const chunks: Buffer[] = [Buffer.from("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "latin1")];
  let offset = chunks[0].length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(offset);
    const chunk = Buffer.concat([
      Buffer.from(`${i + 1} 0 obj\n`, "latin1"),
      body,
      Buffer.from("\nendobj\n", "latin1"),
    ]);
    chunks.push(chunk);
    offset += chunk.length;
  });
  const xref = [
    "xref",
    `0 ${objects.length + 1}`,
    "0000000000 65535 f ",
    ...offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n `),
    "trailer",
    `<< /Size ${objects.length + 1} /Root ${root} 0 R >>`,
    "startxref",
    String(offset),
    "%%EOF",
    "",
  ].join("\n");
  chunks.push(Buffer.from(xref, "latin1"));
  return Buffer.concat(chunks);
}

/** Wraps prose to lines of at most `width` characters, at spaces. */
export function wrap(text: string, width = 90): string[] {
  const lines: string[] = [];
  for (const paragraph of text.split(/\n/)) {
    let line = "";
    for (const word of paragraph.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        lines.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    lines.push(line);
  }
  return lines;
}
