// Full-resolution still capture from the camera track, independent of the (possibly degraded) live encoding.

export interface StillResult {
  blob: Blob;
  width: number;
  height: number;
  method: 'imagecapture' | 'canvas';
  /** hex SHA-256 of the blob bytes (for upload integrity / evidence) */
  sha256: string;
}

export interface StillOptions {
  /** 'image/jpeg' (default) or 'image/png' */
  type?: string;
  /** JPEG quality 0-1; default 0.92 */
  quality?: number;
  /** try ImageCapture.takePhoto first (default true) */
  preferImageCapture?: boolean;
}

interface ImageCaptureLike {
  takePhoto(settings?: Record<string, unknown>): Promise<Blob>;
  getPhotoCapabilities?(): Promise<{ imageWidth?: { max?: number }; imageHeight?: { max?: number } }>;
}

export async function sha256Hex(blob: Blob): Promise<string> {
  const d = await crypto.subtle.digest('SHA-256', await blob.arrayBuffer());
  return [...new Uint8Array(d)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function blobSize(blob: Blob): Promise<{ width: number; height: number }> {
  const bmp = await createImageBitmap(blob);
  const r = { width: bmp.width, height: bmp.height };
  bmp.close();
  return r;
}

/**
 * Captures a still at the camera's best resolution: ImageCapture.takePhoto() where the browser has it (Android
 * Chrome: full sensor resolution), else a frame grabbed at the largest size the track allows, drawn to a canvas.
 */
export async function captureStill(track: MediaStreamTrack, opts: StillOptions = {}): Promise<StillResult> {
  if (track.kind !== 'video' || track.readyState !== 'live') throw new Error('captureStill needs a live video track');
  const type = opts.type ?? 'image/jpeg';
  const IC = (globalThis as unknown as { ImageCapture?: new (t: MediaStreamTrack) => ImageCaptureLike }).ImageCapture;
  if (IC && opts.preferImageCapture !== false) {
    try {
      const ic = new IC(track);
      const caps = await ic.getPhotoCapabilities?.().catch(() => undefined);
      const settings: Record<string, unknown> = {};
      if (caps?.imageWidth?.max) settings.imageWidth = caps.imageWidth.max;
      if (caps?.imageHeight?.max) settings.imageHeight = caps.imageHeight.max;
      const blob = await ic.takePhoto(settings);
      const size = await blobSize(blob);
      return { blob, ...size, method: 'imagecapture', sha256: await sha256Hex(blob) };
    } catch {
      /* fall back to a canvas grab */
    }
  }
  return grabLargestFrame(track, type, opts.quality ?? 0.92);
}

async function grabLargestFrame(track: MediaStreamTrack, type: string, quality: number): Promise<StillResult> {
  // a clone asks the camera for its largest size without touching the live track's constraints
  const clone = track.clone();
  try {
    const caps = (clone.getCapabilities?.() ?? {}) as MediaTrackCapabilities;
    const w = caps.width?.max;
    const h = caps.height?.max;
    if (w && h) await clone.applyConstraints({ width: { ideal: w }, height: { ideal: h } }).catch(() => {});
    const video = document.createElement('video');
    video.muted = true;
    video.playsInline = true;
    video.srcObject = new MediaStream([clone]);
    await video.play();
    // wait for a frame at the new size
    await new Promise<void>((resolve) => {
      const v = video as HTMLVideoElement & { requestVideoFrameCallback?: (cb: () => void) => number };
      let frames = 0;
      const next = () => {
        if (++frames >= 3 || !v.requestVideoFrameCallback) resolve();
        else v.requestVideoFrameCallback(next);
      };
      if (v.requestVideoFrameCallback) v.requestVideoFrameCallback(next);
      else setTimeout(resolve, 200);
    });
    const canvas = document.createElement('canvas');
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext('2d')!.drawImage(video, 0, 0);
    video.srcObject = null;
    const blob = await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('canvas.toBlob failed'))), type, quality));
    return { blob, width: canvas.width, height: canvas.height, method: 'canvas', sha256: await sha256Hex(blob) };
  } finally {
    clone.stop();
  }
}
