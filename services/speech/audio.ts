import { SpeechError } from "../../contracts/speech";

/** An audio upload refused for what it is, with its reason. */
export class AudioRefused extends Error {
  constructor(
    readonly reason: (typeof SpeechError)[keyof typeof SpeechError],
    message: string,
  ) {
    super(message);
  }
}

export type AudioFormat = "wav" | "ogg";

/** The file's own first bytes say whether it is a WAV (RIFF…WAVE) or an Ogg stream. */
export function audioFormatOf(head: Buffer): AudioFormat {
  if (
    head.subarray(0, 4).toString("latin1") === "RIFF" &&
    head.subarray(8, 12).toString("latin1") === "WAVE"
  )
    return "wav";
  if (head.subarray(0, 4).toString("latin1") === "OggS") return "ogg";
  throw new AudioRefused(SpeechError.AUDIO_INVALID, "Send audio as a WAV or an Ogg file");
}

/** 16 kHz, 16-bit, mono PCM WAV: what the recogniser hears. */
export const RECOGNISER_FORMAT = ["-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer"];
export const RECOGNISER_BYTES_PER_SECOND = 16000 * 2;
const WAV_HEADER = 44;

/** A converted file's true length, from its samples, whatever its source's header claimed. */
export const secondsOf = (convertedBytes: number) =>
  Math.max(0, convertedBytes - WAV_HEADER) / RECOGNISER_BYTES_PER_SECOND;

/** Words a phrase may hold: letters and apostrophes, as the dictionary spells them. */
const PHRASE = /^[a-z']+( [a-z']+)*$/;

/** Expected phrases as a JSGF grammar; each word must be one the recogniser knows. */
export function grammarOf(phrases: string[], known: (word: string) => boolean): string {
  const clean = phrases.map((p) => p.toLowerCase().replace(/\s+/g, " ").trim());
  for (const phrase of clean) {
    if (phrase.length > 100 || !PHRASE.test(phrase))
      throw new AudioRefused(SpeechError.PHRASE_UNKNOWN, "A phrase is words of letters only");
    const unknown = phrase.split(" ").filter((w) => !known(w));
    if (unknown.length)
      throw new AudioRefused(
        SpeechError.PHRASE_UNKNOWN,
        `Words the recogniser does not know: ${unknown.join(", ")}`,
      );
  }
  return `#JSGF V1.0;\ngrammar answers;\npublic <answer> = ${clean.join(" | ")} ;\n`;
}

const FILLERS = new Set(["<s>", "</s>", "<sil>", "[noise]", "[NOISE]", "<SIL>"]);

/** pocketsphinx's `-time yes` output: the words heard and their times, fillers left out. */
export function wordsHeard(output: string): { word: string; start: number; end: number }[] {
  const words = [];
  for (const line of output.split("\n")) {
    const match = /^(\S+) (\d+\.\d+) (\d+\.\d+) (\d+\.\d+)$/.exec(line.trim());
    if (!match || FILLERS.has(match[1]) || match[1].startsWith("+")) continue;
    words.push({
      word: match[1].replace(/\(\d+\)$/, ""),
      start: Number(match[2]),
      end: Number(match[3]),
    });
  }
  return words;
}
