import { writeFileSync } from "node:fs";
import path from "node:path";
import { STUDY_CORPUS } from "../samples/study/corpus";
import { wrap, writePdf } from "./pdf-writer";

/** Writes the study assistant's sample PDFs (`samples/study/`), the README's "Try it" files. */
const dir = path.join(__dirname, "..", "samples", "study");
for (const doc of STUDY_CORPUS) {
  const pdf = writePdf(
    doc.pages.map((text) => ({ lines: wrap(text) })),
    { compress: true },
  );
  writeFileSync(path.join(dir, doc.file), pdf);
  console.log(`${doc.file}: ${doc.pages.length} pages, ${pdf.length} bytes`);
}
