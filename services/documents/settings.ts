import { integer, type ServiceSettings } from "../../platform/runtime/env-settings";

export interface DocumentsSettings {
  documentMaxBytes: number;
  documentMaxPages: number;
  /** How long one reading of a PDF may take before it is refused as too complex. */
  documentExtractTimeoutMs: number;
  /** The heap of the thread that reads one PDF. */
  documentExtractHeapMb: number;
  documentsPerUser: number;
  /** An upload that sends nothing for this long is given up. */
  documentUploadIdleMs: number;
}

/** What only the documents service reads from the environment. */
export const documentsSettings: ServiceSettings<DocumentsSettings> = {
  read: (env) => ({
    documentMaxBytes: integer(env, "DOCUMENT_MAX_MB", 20, 1, 1024) * 1024 * 1024,
    documentMaxPages: integer(env, "DOCUMENT_MAX_PAGES", 500, 1, 10_000),
    documentExtractTimeoutMs: integer(env, "DOCUMENT_EXTRACT_TIMEOUT_MS", 60_000, 1000, 3_600_000),
    documentExtractHeapMb: integer(env, "DOCUMENT_EXTRACT_HEAP_MB", 256, 64, 8192),
    documentsPerUser: integer(env, "DOCUMENTS_PER_USER", 200, 1, 100_000),
    documentUploadIdleMs: integer(env, "DOCUMENT_UPLOAD_IDLE_SECONDS", 15, 1, 3600) * 1000,
  }),
  docs: [
    {
      variables: ["DOCUMENT_MAX_MB"],
      embedded: "20",
      meaning: "the largest PDF an upload may be, in MB; a larger one is 413 and nothing is kept",
    },
    {
      variables: ["DOCUMENT_MAX_PAGES"],
      embedded: "500",
      meaning: "the most pages a PDF may have; more is 422 `PDF_TOO_MANY_PAGES`",
    },
    {
      variables: ["DOCUMENT_EXTRACT_TIMEOUT_MS"],
      embedded: "60000",
      meaning:
        "how long one PDF's reading (in a thread of its own) may take; past it the PDF is refused as too complex",
    },
    {
      variables: ["DOCUMENT_EXTRACT_HEAP_MB"],
      embedded: "256",
      meaning:
        "the heap of the thread that reads one PDF; past it the PDF is refused as too complex",
    },
    {
      variables: ["DOCUMENTS_PER_USER"],
      embedded: "200",
      meaning: "the most documents one user may keep",
    },
    {
      variables: ["DOCUMENT_UPLOAD_IDLE_SECONDS"],
      embedded: "15",
      meaning: "an upload that sends nothing for this long is given up (422 `UPLOAD_INCOMPLETE`)",
    },
  ],
};
