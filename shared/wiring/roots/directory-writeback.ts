// The directory-writeback function's composition root: assigned numbers written to Workspace profiles.
import { createDirectoryWriteBackHandler } from "../../directory/writeback/writeback-worker";
import type { ProcessGraph } from "../process-graph";
import { processGraphFromEnvironment } from "../process-ports";

export const createDirectoryWritebackRoot = (graph: ProcessGraph = processGraphFromEnvironment()) =>
  createDirectoryWriteBackHandler(() => graph.writeBack());
