import { parentPort, workerData } from "node:worker_threads";
import type { ExtractAsk, ExtractAnswer } from "./extraction";

/**
 * pdf.js in a worker thread of its own: a hostile file that overflows its stack, eats its heap
 * or never ends costs this thread, which the node ends, and never the node.
 */
async function extract(ask: ExtractAsk): Promise<ExtractAnswer> {
  const pdfjs = await import("pdfjs-dist/legacy/build/pdf.mjs");
  let doc;
  try {
    doc = await pdfjs.getDocument({
      data: ask.data,
      // No script, no font loading, no fetches: text is all this parser is asked for.
      isEvalSupported: false,
      disableFontFace: true,
      useSystemFonts: false,
      stopAtErrors: true,
      verbosity: 0,
    }).promise;
  } catch (err) {
    const name = (err as Error).name;
    if (name === "PasswordException") return { refused: "PDF_ENCRYPTED" };
    return { refused: "PDF_CORRUPT" };
  }
  try {
    const { info } = (await doc.getMetadata()) as { info: { EncryptFilterName?: string | null } };
    if (info.EncryptFilterName) return { refused: "PDF_ENCRYPTED" };
    if (doc.numPages > ask.maxPages) return { refused: "PDF_TOO_MANY_PAGES", pages: doc.numPages };
    const reading = Math.min(doc.numPages, ask.pagesToRead ?? doc.numPages);
    const pages: string[] = [];
    for (let number = 1; number <= reading; number++) {
      const page = await doc.getPage(number);
      const content = await page.getTextContent();
      pages.push(
        content.items
          .map((item) => ("str" in item ? item.str + (item.hasEOL ? "\n" : "") : ""))
          .join(""),
      );
      page.cleanup();
    }
    return { pages, numPages: doc.numPages };
  } catch {
    return { refused: "PDF_CORRUPT" };
  } finally {
    await doc.destroy();
  }
}

void extract(workerData as ExtractAsk).then(
  (answer) => parentPort?.postMessage(answer),
  () => parentPort?.postMessage({ refused: "PDF_CORRUPT" } satisfies ExtractAnswer),
);
