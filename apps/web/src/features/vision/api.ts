import { useQuery } from '@tanstack/react-query';
import { api } from '../../shared/api/client.ts';
import { liveKeys } from '@rvi/contracts';

export type Point = [number, number];
export interface Evidence { text: string; box: Point[] }
export interface Compared { field: string; declared: string; observed: string; confidence: number; evidence: Evidence; message?: string; rule?: string }
export interface SnapshotReading {
  snapshotId: string;
  status: 'read' | 'failed' | 'pending';
  reading: null | {
    width: number; height: number; containerNumbers: string[]; unverifiedContainerNumbers?: string[]; sealNumbers: string[];
    origin: string | null; quantity: { value: number; unit: string | null } | null; netWeightKg: number | null; hsCode: string | null;
    barcodes: { text: string; format?: string }[]; lines: { text: string; confidence: number; box: Point[] }[]; error?: { message: string };
    /** Object recognition: class (COCO), score, box [x, y, w, h]. */
    objects?: { class: string; score: number; box: [number, number, number, number] }[];
    /** Labels first: 'pending' while the object detector has yet to add what is in view (absent on older readings). */
    objectsStatus?: 'pending' | 'read' | 'failed';
  };
  comparison: null | { matches: Compared[]; findings: Compared[] };
  ms: number | null;
}

/**
 * Vision readings of a snapshot; refreshed live (liveKeys.vision) when the labels and then the objects are stored, and
 * asked again every second until the reading is there (it takes ~0.2–1 s), every 3 s while its objects are still due.
 */
export function useSnapshotReading(snapshotId: string) {
  return useQuery({
    queryKey: liveKeys.vision(snapshotId),
    queryFn: ({ signal }) => api<SnapshotReading>(`/api/snapshots/${encodeURIComponent(snapshotId)}/reading`, { signal }),
    refetchInterval: (q) => (q.state.data?.status === 'pending' || q.state.status === 'pending' ? 1000 : q.state.data?.reading?.objectsStatus === 'pending' ? 3000 : false),
  });
}
