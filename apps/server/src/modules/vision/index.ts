// Label and object recognition of snapshots.
import type { Module } from '../../platform/context.ts';
import type { SnapshotRef, VisionRunner } from './vision.service.ts';
import { installVisionJobs } from './vision.jobs.ts';
import { visionRoutes } from './vision.routes.ts';

// the services this module adds to the shared context (built by the composition root, app.ts)
declare module '../../platform/context.ts' {
  interface AppContext {
    /** Label recognition of snapshots (issue 6); null when jobs are not installed. */
    vision: { runner: VisionRunner; enqueue(ref: SnapshotRef): Promise<unknown>; sweep(): Promise<void> } | null;
  }
}

export const visionModule: Module = {
  name: 'vision',
  routes: visionRoutes,
  jobs(ctx) { installVisionJobs(ctx); },
};
