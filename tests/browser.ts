/**
 * Headless Chromium for the picture tests: finding it, running it on a local page with nothing
 * reaching the network, and decoding its PNG screenshots (chunks, inflate, unfilter).
 */
import assert from "node:assert/strict";

/** The browser on PATH (Debian's chromium; .ci/run installs it when missing). */
export async function findChromium(): Promise<string> {
  for (const name of ["chromium", "chromium-browser"]) {
    try {
      await new Deno.Command(name, { args: ["--version"], stdout: "null", stderr: "null" })
        .output();
      return name;
    } catch {
      // not this name
    }
  }
  throw new Error("chromium is needed (apt-get install chromium; .ci/run installs it)");
}

/** Runs `chromium` headless on the local `page` with a profile in `dir`; returns its stdout. */
export async function runChromium(
  chromium: string,
  dir: string,
  page: string,
  extra: readonly string[],
): Promise<string> {
  const flags = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
    "--disable-background-networking",
    // The page is a local file: nothing may reach the network (no update, sync or metrics
    // lookups; every host name resolves to nothing).
    "--disable-component-update",
    "--disable-sync",
    "--disable-domain-reliability",
    "--no-pings",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    `--user-data-dir=${Deno.realPathSync(dir)}/profile`,
  ];
  const out = await new Deno.Command(chromium, {
    args: [...flags, ...extra, `file://${page}`],
    stdout: "piped",
    stderr: "null",
  }).output();
  assert.equal(out.code, 0, "chromium exited with an error");
  return new TextDecoder().decode(out.stdout);
}

/** A decoded 8-bit RGB(A) PNG: rows of `channels` bytes a pixel. */
export interface Pixels {
  readonly width: number;
  readonly channels: number;
  readonly rows: Uint8Array[];
}

/** Decodes an 8-bit RGB or RGBA PNG (non-interlaced, as Chromium writes them). */
export async function pngPixels(bytes: Uint8Array): Promise<Pixels> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const channels = { 2: 3, 6: 4 }[bytes[25]] ?? 0;
  assert.ok(bytes[24] === 8 && channels && bytes[28] === 0, "an 8-bit RGB or RGBA PNG");
  const idat: Uint8Array<ArrayBuffer>[] = [];
  for (let at = 8; at < bytes.length;) {
    const length = view.getUint32(at);
    const type = new TextDecoder().decode(bytes.subarray(at + 4, at + 8));
    if (type === "IDAT") idat.push(bytes.slice(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const stream = new Blob(idat).stream().pipeThrough(new DecompressionStream("deflate"));
  const raw = new Uint8Array(await new Response(stream).arrayBuffer());
  const stride = width * channels;
  const rows: Uint8Array[] = [];
  let previous = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.slice(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? line[i - channels] : 0;
      const b = previous[i];
      const c = i >= channels ? previous[i - channels] : 0;
      let predict = 0;
      if (filter === 1) predict = a;
      else if (filter === 2) predict = b;
      else if (filter === 3) predict = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
        predict = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      line[i] = (line[i] + predict) & 0xff;
    }
    rows.push(line);
    previous = line;
  }
  return { width, channels, rows };
}

/** The pixel at (x, y) as `#rrggbb`. */
export function pixel(p: Pixels, x: number, y: number): string {
  const row = p.rows[Math.floor(y)];
  const i = Math.floor(x) * p.channels;
  return "#" +
    [row[i], row[i + 1], row[i + 2]].map((v) => v.toString(16).padStart(2, "0")).join("");
}
