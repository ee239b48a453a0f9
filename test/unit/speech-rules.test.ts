import {
  audioFormatOf,
  AudioRefused,
  grammarOf,
  secondsOf,
  wordsHeard,
} from "../../services/speech/audio";

describe("Audio, by its own bytes", () => {
  test("A WAV and an Ogg stream are told by their heads; anything else is refused", () => {
    expect(audioFormatOf(Buffer.from("RIFF\x24\x00\x00\x00WAVEfmt ", "latin1"))).toBe("wav");
    expect(audioFormatOf(Buffer.from("OggS\x00\x02rest....", "latin1"))).toBe("ogg");
    expect(() => audioFormatOf(Buffer.from("RIFF\x24\x00\x00\x00AVI LIST", "latin1"))).toThrow(
      AudioRefused,
    );
    expect(() => audioFormatOf(Buffer.from("<html>", "latin1"))).toThrow("WAV or an Ogg");
  });

  test("A converted file's length comes from its samples", () => {
    expect(secondsOf(44 + 32000 * 3)).toBe(3);
    expect(secondsOf(10)).toBe(0);
  });
});

describe("Expected phrases", () => {
  const known = (word: string) => ["ninety", "five", "yes", "no", "don't"].includes(word);

  test("Become a JSGF grammar of alternatives", () => {
    expect(grammarOf(["Ninety  five", "yes", "don't"], known)).toBe(
      "#JSGF V1.0;\ngrammar answers;\npublic <answer> = ninety five | yes | don't ;\n",
    );
  });

  test.each([["ninety six"], ["yes | no"], ["<answer>"], ["a;b"], ["x".repeat(101)]])(
    "%j is refused: only known words, letters only",
    (phrase) => {
      expect(() => grammarOf([phrase], known)).toThrow(AudioRefused);
    },
  );
});

describe("What the recogniser heard", () => {
  test("Its timed words are read, fillers and alternates' marks left out", () => {
    const output = [
      "jupiter has ninety five",
      "<s> 0.000 0.180 0.999800",
      "jupiter(2) 0.190 0.640 0.568323",
      "<sil> 0.640 0.700 1.000000",
      "has 0.650 0.840 0.910637",
      "[NOISE] 0.840 0.850 1.000000",
      "ninety 0.850 1.250 0.999800",
      "five 1.260 1.550 1.000000",
      "</s> 2.270 2.370 1.000000",
    ].join("\n");
    expect(wordsHeard(output)).toEqual([
      { word: "jupiter", start: 0.19, end: 0.64 },
      { word: "has", start: 0.65, end: 0.84 },
      { word: "ninety", start: 0.85, end: 1.25 },
      { word: "five", start: 1.26, end: 1.55 },
    ]);
  });
});
