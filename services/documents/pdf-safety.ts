import { inflateSync } from "node:zlib";
import { DocumentsError, type DocumentRefusal } from "../../contracts/documents";

/** A refusal of an uploaded file, by one of the documented reasons. */
export class PdfRefused extends Error {
  constructor(
    readonly reason: DocumentRefusal,
    message: string,
  ) {
    super(message);
  }
}

const PDF_MAGIC = Buffer.from("%PDF-", "latin1");

/** The file's own first bytes say what it is, whatever its name or declared type. */
export function assertPdfHead(head: Buffer): void {
  if (head.subarray(0, PDF_MAGIC.length).equals(PDF_MAGIC)) return;
  throw new PdfRefused(DocumentsError.NOT_A_PDF, `This file is ${kindOf(head)}, not a PDF`);
}

function kindOf(head: Buffer): string {
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return "a PNG image";
  if (head.subarray(0, 4).equals(Buffer.from("PK\x03\x04", "latin1"))) return "a ZIP archive";
  if (head.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))) return "a JPEG image";
  if (/^\s*<(!doctype|html)/i.test(head.subarray(0, 64).toString("latin1"))) return "HTML";
  return "of an unknown type";
}

const STREAM = Buffer.from("stream", "latin1");
const END_STREAM = Buffer.from("endstream", "latin1");

/**
 * A compressed stream that inflates past what any page of text needs is a bomb: each stream is
 * inflated here with a cap on its output before the parser sees it, and so is their sum.
 */
export function assertNoBomb(file: Buffer, maxStreamBytes: number, maxTotalBytes: number): void {
  let total = 0;
  let at = 0;
  for (;;) {
    const open = file.indexOf(STREAM, at);
    if (open < 0) return;
    let start = open + STREAM.length;
    if (file[start] === 0x0d) start++;
    if (file[start] !== 0x0a || file.subarray(open - 3, open).toString("latin1") === "end") {
      at = open + STREAM.length;
      continue;
    }
    start++;
    const end = file.indexOf(END_STREAM, start);
    if (end < 0) return;
    total += inflatedSize(
      file.subarray(start, end),
      Math.min(maxStreamBytes, maxTotalBytes - total),
    );
    at = end + END_STREAM.length;
  }
}

function inflatedSize(data: Buffer, cap: number): number {
  try {
    return inflateSync(data, { maxOutputLength: Math.max(1, cap) }).length;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE")
      throw new PdfRefused(
        DocumentsError.PDF_TOO_COMPLEX,
        "This PDF holds a stream that inflates far beyond its size",
      );
    // Not deflated (or not whole): the parser judges it.
    return data.length;
  }
}
