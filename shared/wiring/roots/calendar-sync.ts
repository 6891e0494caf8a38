// The calendar-sync function's composition root: one user's calendar sync and presence.
import { createCalendarSyncHandler } from "../../presence/presence-workers";
import type { ProcessGraph } from "../process-graph";
import { processGraphFromEnvironment } from "../process-ports";

export const createCalendarSyncRoot = (graph: ProcessGraph = processGraphFromEnvironment()) =>
  createCalendarSyncHandler(() => graph.presence());
