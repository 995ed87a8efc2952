/**
 * Text in SVG and HTML: escaped for element content and attribute values, wrapped to a width.
 *
 * @module
 */

/**
 * Escapes text for XML (and HTML) content and attributes.
 *
 * @example
 * ```ts
 * import { escapeXml } from "./xml.ts";
 * import assert from "node:assert/strict";
 * assert.equal(escapeXml(`lapic <- "a" & 'b'`), "lapic &lt;- &quot;a&quot; &amp; &#39;b&#39;");
 * ```
 */
export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!,
  );
}

/**
 * Words in lines of at most `max` characters (a longer word keeps a line of its own).
 *
 * @example
 * ```ts
 * import { wrapText } from "./xml.ts";
 * import assert from "node:assert/strict";
 * assert.deepEqual(wrapText("Linux 5.4 on Hyper-V 2019", 12), ["Linux 5.4 on", "Hyper-V 2019"]);
 * ```
 */
export function wrapText(text: string, max: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line && (line + " " + word).length > max) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
