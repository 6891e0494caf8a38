// The directory-sync function's composition root: directory sync and provisioning; its offboarding runs the process's one teardown list.
import { createDirectorySyncHandler } from "../../directory/directory-sync-worker";
import type { ProcessGraph } from "../process-graph";
import { processGraphFromEnvironment } from "../process-ports";

export const createDirectorySyncRoot = (graph: ProcessGraph = processGraphFromEnvironment()) =>
  createDirectorySyncHandler(() => graph.directory());
