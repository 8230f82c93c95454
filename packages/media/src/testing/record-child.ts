// Child process for the crash test: records a live ffmpeg RTP stream until it is killed (SIGKILL, no cleanup).
import { SessionRecorder } from '../recorder.ts';
import { startRtpSource } from './rtp-source.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: record-child DIR');
const rec = new SessionRecorder({ dir, sessionId: 'crash-1', rotateMs: 0 });
const src = await startRtpSource({ seconds: 20, gop: 15 });
src.onVideo = (p) => rec.video(p);
src.onAudio = (p) => rec.audio(p);
process.stdout.write(`ffmpeg ${src.pid}\n`);
// report once 2 s of media are in the file (wall time is unreliable on a loaded machine)
const timer = setInterval(() => {
  if (rec.currentDurationMs >= 2000) {
    clearInterval(timer);
    process.stdout.write('recording\n');
  }
}, 20);
