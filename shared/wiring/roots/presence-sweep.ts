// The presence-sweep function's composition root: presence transitions that are due, and every minute the
// outbox relay, for presence-changed and for the audit and provisioning events written with their changes.
import { AuditEventMessage } from "../../audit";
import { UserProvisioningEvent } from "../../directory/provisioning-events";
import { createPresenceSweepHandler } from "../../presence/presence-workers";
import type { ProcessGraph } from "../process-graph";
import { processGraphFromEnvironment } from "../process-ports";

export const createPresenceSweepRoot = (graph: ProcessGraph = processGraphFromEnvironment()) =>
  createPresenceSweepHandler(() => graph.presence(), [AuditEventMessage, UserProvisioningEvent]);
