// Child process for the kill -9 recording test and bench: a media node with recording, serving the test page and the
// pattern texture. Prints one JSON line {url, wsUrl} when ready; then runs until it is killed (no cleanup).
import { startHarness } from './harness.ts';

const [dir, texture] = process.argv.slice(2);
if (!dir || !texture) throw new Error('usage: media-child RECORDINGS_DIR TEXTURE.png');
const h = await startHarness({ recording: { dir } }, { files: { 'texture.png': texture } });
process.stdout.write(`${JSON.stringify({ url: h.url, wsUrl: h.wsUrl, pid: process.pid })}\n`);
setInterval(() => {}, 1 << 30);
