import path from "node:path";
import { Worker } from "node:worker_threads";
import { DocumentsError, type DocumentRefusal } from "../../contracts/documents";
import { assertNoBomb, PdfRefused } from "./pdf-safety";

export interface ExtractAsk {
  data: Uint8Array;
  maxPages: number;
  /** Only the first pages: enough to tell a text layer from none. */
  pagesToRead?: number;
}

export type ExtractAnswer =
  | { pages: string[]; numPages: number; refused?: undefined }
  | { refused: DocumentRefusal; pages?: number };

export interface ExtractLimits {
  maxPages: number;
  timeoutMs: number;
  heapMb: number;
  maxStreamBytes: number;
}

const MESSAGES: Partial<Record<DocumentRefusal, string>> = {
  [DocumentsError.PDF_ENCRYPTED]: "This PDF is encrypted or protected by a password",
  [DocumentsError.PDF_CORRUPT]: "This PDF is damaged and cannot be read",
  [DocumentsError.PDF_TOO_COMPLEX]: "This PDF is too large or too complex to read",
};

const WORKER = path.join(__dirname, "extract-worker.ts");
/** The worker is TypeScript: tsx's require hook loads it, in jest and under the runner alike. */
const BOOT = `require("tsx/cjs"); require(${JSON.stringify(WORKER)});`;

/**
 * Each page's text, read by pdf.js in a worker with a heap cap and a deadline; a file that
 * breaks either is refused as too complex, and the node serves on.
 */
export async function extractPages(
  file: Buffer,
  limits: ExtractLimits,
  pagesToRead?: number,
): Promise<{ pages: string[]; numPages: number }> {
  assertNoBomb(file, limits.maxStreamBytes, limits.maxStreamBytes * 4);
  const answer = await inWorker(
    { data: new Uint8Array(file), maxPages: limits.maxPages, pagesToRead },
    limits,
  );
  if (answer.refused === undefined) return answer;
  if (answer.refused === DocumentsError.PDF_TOO_MANY_PAGES)
    throw new PdfRefused(
      answer.refused,
      `This PDF has ${answer.pages} pages; at most ${limits.maxPages} are read`,
    );
  throw new PdfRefused(answer.refused, MESSAGES[answer.refused] ?? "This PDF cannot be read");
}

function inWorker(ask: ExtractAsk, limits: ExtractLimits): Promise<ExtractAnswer> {
  return new Promise((resolve) => {
    const worker = new Worker(BOOT, {
      eval: true,
      workerData: ask,
      // The parser gets the file and nothing else: no secret, no store address in its reach.
      env: {},
      resourceLimits: { maxOldGenerationSizeMb: limits.heapMb, stackSizeMb: 4 },
      stdout: true,
      stderr: true,
    });
    let settled = false;
    const settle = (answer: ExtractAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      void worker.terminate();
      resolve(answer);
    };
    const deadline = setTimeout(
      () => settle({ refused: DocumentsError.PDF_TOO_COMPLEX }),
      limits.timeoutMs,
    );
    worker.once("message", (answer: ExtractAnswer) => settle(answer));
    worker.once("error", () => settle({ refused: DocumentsError.PDF_TOO_COMPLEX }));
    worker.once("exit", () => settle({ refused: DocumentsError.PDF_TOO_COMPLEX }));
  });
}
