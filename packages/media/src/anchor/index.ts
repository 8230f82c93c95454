// AR anchoring for the camera page and the console: the tracker (runs in a worker on the device) and the homography
// helpers both sides use to draw an annotation where the goods are now.
export * from './homography.ts';
export * from './tracker.ts';
