// Stops the stack when the command that started it is gone. `npm start` runs the stack under npm and
// tsx; npm does not always pass a SIGTERM on to the process tree, and a parent killed with SIGKILL passes
// on nothing, so the stack watches its parent and grandparent and stops itself when either disappears.
import { readFileSync } from "node:fs";

export function parentOf(pid: number): number | undefined {
  try {
    // /proc/<pid>/stat: "pid (command) state ppid …"; the command may itself hold spaces or parentheses.
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    return Number.isInteger(ppid) && ppid > 1 ? ppid : undefined;
  } catch {
    return undefined; // not Linux, or already gone
  }
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
};

/** Calls `onGone` once when this process's parent or grandparent exits; checks every `everyMs`. */
export function watchAncestors(onGone: () => void, everyMs = 1000): () => void {
  const parent = process.ppid;
  const ancestors = [parent, parentOf(parent)].filter((p): p is number => p !== undefined && p > 1);
  const timer = setInterval(() => {
    if (process.ppid !== parent || !ancestors.every(isAlive)) {
      clearInterval(timer);
      onGone();
    }
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
