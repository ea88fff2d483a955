// LIKE patterns from user input: %, _ and \ match themselves (queries add `escape '\'`).
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
