// People API per-user quotas: critical reads and writes per minute, charged with the contacts
// guide's costs (create/update 1+1, batch 6+6, delete 1 write, batch delete 10 writes).
import type { ApiContext } from "../api";
import { ApiError } from "../errors";

const SERVICE = "people.googleapis.com";

export function chargePeople(ctx: ApiContext, userId: string, reads: number, writes: number): void {
  const { quotas, settings } = ctx.state;
  const now = ctx.state.now();
  const { criticalReadsPerMinute, criticalWritesPerMinute } = settings.people;
  if (!quotas.tryCharge(`${userId}|people.read`, reads, criticalReadsPerMinute, now)) {
    throw exhausted(
      "Critical read requests (Contact and Profile Reads)",
      "ReadRequestsPerMinutePerUser",
      "read_requests",
    );
  }
  if (!quotas.tryCharge(`${userId}|people.write`, writes, criticalWritesPerMinute, now)) {
    throw exhausted(
      "Critical write requests (Contact and Profile Writes)",
      "WriteRequestsPerMinutePerUser",
      "write_requests",
    );
  }
}

/** The separate fixed quota on the first page of a full sync. */
export function chargeFullSyncFirstPage(ctx: ApiContext, userId: string): void {
  const { quotas, settings } = ctx.state;
  if (
    !quotas.tryCharge(
      `${userId}|people.fullsync`,
      1,
      settings.people.fullSyncFirstPagesPerMinute,
      ctx.state.now(),
    )
  ) {
    throw exhausted("Full sync requests", "FullSyncRequestsPerMinutePerUser", "full_sync_requests");
  }
}

function exhausted(metricName: string, limit: string, metric: string): ApiError {
  return new ApiError({
    code: 429,
    status: "RESOURCE_EXHAUSTED",
    message: `Quota exceeded for quota metric '${metricName}' and limit '${metricName} per minute per user' of service '${SERVICE}' for consumer 'project_number:000000000000'.`,
    reason: "rateLimitExceeded",
    infoReason: "RATE_LIMIT_EXCEEDED",
    infoMetadata: {
      service: SERVICE,
      quota_metric: `${SERVICE}/${metric}`,
      quota_limit: limit,
      consumer: "projects/000000000000",
    },
  });
}
