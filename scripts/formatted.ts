import prettier from "prettier";

/** Text as the project's Prettier writes `file`, so a generated file passes `npm run lint`. */
export async function formatted(file: string, text: string): Promise<string> {
  const options = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(text, { ...options, filepath: file });
}
